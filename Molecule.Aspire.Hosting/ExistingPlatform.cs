using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>
/// The deployment guide's Step 1, done by the AppHost for a workspace on an existing (real) platform: the external
/// workspace is created once with the admin token, its id and token kept in a state file (0600) under the AppHost, and
/// every later run reuses it (created again only when the platform no longer knows it).
/// </summary>
internal static class ExistingPlatform
{
    public const string HttpClientName = "molecule-existing-platform";

    private static readonly SemaphoreSlim StateGate = new(1, 1);

    /// <summary>Sets <c>PLATFORM_URL</c>, <c>WORKSPACE_ID</c> and <c>WORKSPACE_AUTH_TOKEN</c> for a workspace on an existing platform.</summary>
    public static async Task ApplyAsync(MoleculeWorkspaceAnnotation workspace, IResource resource, EnvironmentCallbackContext context, string? configsDirectory, string appHostDirectory)
    {
        var platform = workspace.Platform;
        var url = platform.ExistingUrl!;
        var (id, token) = await EnsureAsync(platform, resource.Name, workspace.WorkspaceName, context.ExecutionContext.Services, context.CancellationToken)
            .ConfigureAwait(false);
        workspace.WorkspaceId = id;
        context.EnvironmentVariables["PLATFORM_URL"] = url.AbsoluteUri.TrimEnd('/');
        context.EnvironmentVariables["WORKSPACE_ID"] = id;
        context.EnvironmentVariables["WORKSPACE_AUTH_TOKEN"] = token;
        if (resource is not ContainerResource)
        {
            context.EnvironmentVariables["CONFIGS_DIR"] = configsDirectory ?? Path.Combine(appHostDirectory, ".molecule", "configs", id);
        }
    }

    private static async Task<(string Id, string Token)> EnsureAsync(MoleculePlatformResource platform, string resourceName, string workspaceName, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
        var root = new Uri(platform.ExistingUrl!.AbsoluteUri.TrimEnd('/') + "/");
        var key = $"{root.AbsoluteUri}|{resourceName}";
        await StateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = Load(platform.ExistingStateFile!);
            if (state[key] is JsonObject known && known["id"]?.GetValue<string>() is { } knownId && known["token"]?.GetValue<string>() is { } knownToken)
            {
                using var check = await http.GetAsync(new Uri(root, $"workspaces/{knownId}"), cancellationToken).ConfigureAwait(false);
                if (check.StatusCode != HttpStatusCode.NotFound)
                {
                    return (knownId, knownToken);   // the same workspace as last run
                }
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "workspaces"))
            {
                Content = new StringContent(new JsonObject { ["name"] = workspaceName, ["external"] = true }.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await platform.AdminToken.GetValueAsync(cancellationToken).ConfigureAwait(false));
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new DistributedApplicationException(
                    $"Creating workspace '{workspaceName}' on {root} failed: {(int)response.StatusCode} {Truncate(body)}. Check the platform's URL and admin token.");
            }

            var created = JsonNode.Parse(body);
            var id = created?["id"]?.GetValue<string>();
            var token = created?["connection"]?["auth_token"]?.GetValue<string>() ?? created?["auth_token"]?.GetValue<string>();
            if (id is null || token is null)
            {
                throw new DistributedApplicationException($"Creating workspace '{workspaceName}' on {root} answered without an id and a token: {Truncate(body)}");
            }

            state[key] = new JsonObject { ["id"] = id, ["token"] = token, ["name"] = workspaceName };
            Save(platform.ExistingStateFile!, state);
            return (id, token);
        }
        finally
        {
            StateGate.Release();
        }
    }

    private static JsonObject Load(string path)
    {
        try
        {
            return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject state ? state : [];
        }
        catch (JsonException)
        {
            return [];   // unreadable: the workspaces are created again
        }
    }

    /// <summary>Written owner-only: it holds the workspaces' tokens.</summary>
    private static void Save(string path, JsonObject state)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        {
            file.Write(Encoding.UTF8.GetBytes(state.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
