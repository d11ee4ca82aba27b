using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>
/// The dashboard's commands on a workspace, carried out by the platform as an admin would: fail its heartbeats (the
/// emulator's fault for this workspace alone), clear that fault, and pause, resume or restart it on the platform.
/// A pause, resume or restart clears the URL the platform routes to (contract: A2A answers 503 <c>workspace has no
/// URL</c> until the agent registers again); a workspace on <c>Molecule.Platform.Client</c> sees the resume or restart
/// at its next beat and registers again, and until then the resource's health says the platform cannot route to it.
/// </summary>
internal static class WorkspaceCommands
{
    public const string HttpClientName = "molecule-platform-commands";

    public static void Add<T>(IResourceBuilder<T> builder, MoleculeWorkspaceAnnotation workspace)
        where T : IResource
    {
        builder.ApplicationBuilder.Services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        Command(builder, workspace, "molecule-fail-heartbeats", "Fail its heartbeats", "HeartBroken", emulatorOnly: true,
            "Its heartbeats answer 503 on the emulator until the fault is cleared: watch it back off, go offline and recover.",
            w => (HttpMethod.Post, "_emulator/faults", new JsonObject
            {
                ["id"] = FaultId(w), ["method"] = "POST", ["path"] = "/registry/heartbeat", ["workspace_id"] = w.WorkspaceId, ["kind"] = "status", ["status"] = 503,
            }));
        Command(builder, workspace, "molecule-clear-heartbeat-fault", "Let its heartbeats through", "Heart", emulatorOnly: true,
            "Removes the heartbeat fault of this workspace.", w => (HttpMethod.Delete, $"_emulator/faults/{FaultId(w)}", null));
        Command(builder, workspace, "molecule-pause", "Pause on the platform", "Pause", emulatorOnly: false,
            "The platform pauses the workspace: it stops routing work to it.", w => (HttpMethod.Post, $"workspaces/{w.WorkspaceId}/pause", null));
        Command(builder, workspace, "molecule-resume", "Resume on the platform", "Play", emulatorOnly: false,
            "The platform resumes the workspace; the agent registers again at its next heartbeat.", w => (HttpMethod.Post, $"workspaces/{w.WorkspaceId}/resume", null));
        Command(builder, workspace, "molecule-restart", "Restart on the platform", "ArrowClockwise", emulatorOnly: false,
            "The platform restarts the workspace; the agent registers again at its next heartbeat.", w => (HttpMethod.Post, $"workspaces/{w.WorkspaceId}/restart", null));
    }

    private static string FaultId(MoleculeWorkspaceAnnotation workspace) => $"dashboard-heartbeats-{workspace.WorkspaceId}";

    private static void Command<T>(IResourceBuilder<T> builder, MoleculeWorkspaceAnnotation workspace, string name, string displayName, string icon, bool emulatorOnly,
        string description, Func<MoleculeWorkspaceAnnotation, (HttpMethod Method, string Path, JsonObject? Body)> request)
        where T : IResource
    {
        builder.WithCommand(name, displayName, async context =>
        {
            var platform = workspace.Platform;
            if (emulatorOnly && platform.ExistingUrl is not null)
            {
                return CommandResults.Failure("Only the emulator injects faults; this AppHost uses an existing platform.");
            }

            var root = platform.ExistingUrl?.AbsoluteUri ?? await platform.HttpEndpoint.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
            var (method, path, body) = request(workspace);
            using var message = new HttpRequestMessage(method, new Uri(new Uri(root!.TrimEnd('/') + "/"), path));
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.AdminToken.GetValueAsync(context.CancellationToken).ConfigureAwait(false));
            if (body is not null)
            {
                message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            using var response = await context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)
                .SendAsync(message, context.CancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? CommandResults.Success() : CommandResults.Failure($"The platform answered {(int)response.StatusCode}: {answer}");
        }, new CommandOptions { Description = description, IconName = icon, IsHighlighted = false });
    }
}
