using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// A workspace resource's health as the platform sees it: healthy only when the platform says <c>online</c> at the URL
/// this run registers (a row restored from an earlier run is online at an old URL until its TTL; a pause or restart
/// leaves it without one until the agent registers again), degraded with its sample error, unhealthy (offline, awaiting
/// agent, paused, …) otherwise. The dashboard also shows the status as the resource's <c>Platform status</c> property.
/// </summary>
internal sealed class WorkspaceOnPlatformHealthCheck(
    IResource resource,
    MoleculeWorkspaceAnnotation workspace,
    IHttpClientFactory clients,
    ResourceNotificationService notifications) : IHealthCheck
{
    public const string HttpClientName = "molecule-platform";
    public const string StatusProperty = "molecule.platform.status";

    private string? _published;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string status;
        string? sampleError;
        string? routedTo;
        string agentUrl;
        try
        {
            (status, sampleError, routedTo) = await ReadAsync(cancellationToken).ConfigureAwait(false);
            agentUrl = await workspace.AgentUrl.GetValueAsync(cancellationToken).ConfigureAwait(false) ?? "";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the platform did not answer: {ex.Message}");
        }

        await PublishAsync(status).ConfigureAwait(false);
        if (status is "online" or "degraded" && !MoleculeWorkspaceAnnotation.RoutesToAgentUrl(routedTo, agentUrl))
        {
            return HealthCheckResult.Unhealthy(routedTo!.Length == 0
                ? $"{status} on the platform, but without a URL to route to until the agent registers again"
                : $"{status} on the platform at {routedTo}, an earlier run's URL, until the agent registers at {agentUrl}");
        }

        return status switch
        {
            "online" => HealthCheckResult.Healthy("online on the platform"),
            "degraded" => HealthCheckResult.Degraded(string.IsNullOrEmpty(sampleError) ? "degraded on the platform" : $"degraded on the platform: {sampleError}"),
            _ => HealthCheckResult.Unhealthy($"{status} on the platform"),
        };
    }

    /// <summary>The workspace's row in the admin list (the only read that carries the sample error).</summary>
    private async Task<(string Status, string? SampleError, string? Url)> ReadAsync(CancellationToken cancellationToken)
    {
        var platform = workspace.Platform;
        var url = platform.ExistingUrl?.AbsoluteUri ?? await platform.HttpEndpoint.GetValueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the platform's endpoint is not allocated yet");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(url.TrimEnd('/') + "/"), "workspaces"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.AdminToken.GetValueAsync(cancellationToken).ConfigureAwait(false));
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        foreach (var row in document.RootElement.EnumerateArray())
        {
            if (row.TryGetProperty("id", out var id) && id.GetString() == workspace.WorkspaceId)
            {
                return (row.TryGetProperty("status", out var status) ? status.GetString() ?? "unknown" : "unknown",
                    row.TryGetProperty("last_sample_error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null,
                    row.TryGetProperty("url", out var routed) ? routed.GetString() ?? "" : null);
            }
        }

        return ("not on the platform", null, null);
    }

    private async Task PublishAsync(string status)
    {
        if (status == _published)
        {
            return;
        }

        _published = status;
        await notifications.PublishUpdateAsync(resource, snapshot => snapshot with
        {
            Properties = [.. snapshot.Properties.Where(p => p.Name != StatusProperty), new ResourcePropertySnapshot(StatusProperty, status) { DisplayName = "Platform status" }],
        }).ConfigureAwait(false);
    }
}
