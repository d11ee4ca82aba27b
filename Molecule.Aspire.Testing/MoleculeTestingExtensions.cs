using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting.Testing;

/// <summary>Waits and clients for the Molecule resources of an AppHost under test.</summary>
public static class MoleculeTestingExtensions
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Waits until the platform reports the workspace resource <paramref name="resourceName"/> <c>online</c> at the URL
    /// it registers with in this run (a row the platform restored from an earlier run can be online at an old URL until
    /// its liveness TTL runs out). On time-out it fails with what the platform last said, the resource's state and its
    /// recent log lines.
    /// </summary>
    /// <param name="app">The started AppHost.</param>
    /// <param name="resourceName">A resource made a workspace with <c>WithMoleculeWorkspace</c>.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    /// <returns>The workspace's row on the platform (<c>GET /workspaces/{id}</c>).</returns>
    public static async Task<JsonElement> WaitForMoleculeWorkspaceOnlineAsync(this DistributedApplication app, string resourceName, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var (resource, workspace) = FindWorkspace(app, resourceName);
        using var client = app.CreateMoleculeEmulatorClient(workspace.Platform.Name);
        var time = app.Services.GetService<TimeProvider>() ?? TimeProvider.System;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var last = "(no answer yet)";
        try
        {
            var agentUrl = await workspace.AgentUrl.GetValueAsync(linked.Token).ConfigureAwait(false) ?? "";
            while (true)
            {
                try
                {
                    var row = await client.GetWorkspaceAsync(workspace.WorkspaceId, linked.Token).ConfigureAwait(false);
                    last = row.GetRawText();
                    if (row.TryGetProperty("status", out var status) && status.GetString() == "online" &&
                        MoleculeWorkspaceAnnotation.RoutesToAgentUrl(row.TryGetProperty("url", out var url) ? url.GetString() ?? "" : null, agentUrl))
                    {
                        return row;
                    }
                }
                catch (HttpRequestException ex)
                {
                    last = $"(the platform did not answer: {ex.Message})";
                }

                await Task.Delay(PollInterval, time, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Workspace '{resourceName}' ({workspace.WorkspaceId}) was not online on '{workspace.Platform.Name}' within {timeout.TotalSeconds:0} s. " +
                $"The platform last said: {last}. Resource: {await DescribeAsync(app, resource, time).ConfigureAwait(false)}");
        }
    }

    /// <summary>
    /// A client of the platform <paramref name="platformResourceName"/> with its admin token: the emulator, or the
    /// existing platform the AppHost uses instead (the emulator-only calls, faults, outage and reset, are refused there).
    /// </summary>
    /// <param name="app">The started AppHost.</param>
    /// <param name="platformResourceName">The platform's resource name.</param>
    /// <returns>The client; dispose it.</returns>
    public static MoleculeEmulatorClient CreateMoleculeEmulatorClient(this DistributedApplication app, string platformResourceName = "platform")
    {
        ArgumentNullException.ThrowIfNull(app);
        var resources = app.Services.GetRequiredService<DistributedApplicationModel>().Resources;
        var annotated = resources.Select(r => (r.Name, Workspace: r.Annotations.OfType<MoleculeWorkspaceAnnotation>().SingleOrDefault())).Where(r => r.Workspace is not null).ToArray();
        // An existing platform (AsExisting) is no resource of the model any more; its workspaces still name it.
        var platform = resources.OfType<MoleculePlatformResource>().SingleOrDefault(p => p.Name == platformResourceName)
            ?? annotated.Select(r => r.Workspace!.Platform).FirstOrDefault(p => p.Name == platformResourceName)
            ?? throw new InvalidOperationException($"The AppHost has no Molecule platform named '{platformResourceName}'.");
        var workspaces = annotated.Where(r => r.Workspace!.Platform == platform).ToDictionary(r => r.Name, r => r.Workspace!.WorkspaceId, StringComparer.Ordinal);
        HttpClient http;
        if (platform.ExistingUrl is { } url)
        {
            http = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
            http.BaseAddress = url;
        }
        else
        {
            http = app.CreateHttpClient(platform.Name, MoleculePlatformResource.HttpEndpointName);
        }

        return new MoleculeEmulatorClient(http, platform.AdminToken, workspaces);
    }

    private static (IResource Resource, MoleculeWorkspaceAnnotation Workspace) FindWorkspace(DistributedApplication app, string resourceName)
    {
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.SingleOrDefault(r => r.Name == resourceName)
            ?? throw new InvalidOperationException($"The AppHost has no resource named '{resourceName}'.");
        var workspace = resource.Annotations.OfType<MoleculeWorkspaceAnnotation>().SingleOrDefault()
            ?? throw new InvalidOperationException($"'{resourceName}' is not a Molecule workspace: the AppHost calls WithMoleculeWorkspace(platform) on it.");
        return (resource, workspace);
    }

    /// <summary>The resource's state and health, and its last log lines (bounded, so a failing wait fails promptly).</summary>
    private static async Task<string> DescribeAsync(DistributedApplication app, IResource resource, TimeProvider time)
    {
        var text = new StringBuilder();
        if (app.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(resource.Name, out var state))
        {
            text.Append("state ").Append(state.Snapshot.State?.Text ?? "unknown").Append(", health ").Append(state.Snapshot.HealthStatus?.ToString() ?? "unknown");
        }

        var lines = new List<string>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(resource).WithCancellation(bound.Token).ConfigureAwait(false))
            {
                lines.AddRange(batch.Select(l => l.Content));
            }
        }
        catch (OperationCanceledException)
        {
        }

        text.Append(". Recent log lines:\n").AppendJoin('\n', lines.TakeLast(30));
        return text.ToString();
    }
}
