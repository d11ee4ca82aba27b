using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Molecule.Platform.Client;
using Molecule.Workspace.ControlPlane;

namespace Molecule.Workspace.Runtime;

/// <summary>
/// The workspace's secrets on the platform (<c>GET /workspaces/{id}/secrets/values</c>, globals overridden by the
/// workspace's own) as configuration, read once when the app is built: a key set on the platform (say
/// <c>OPENAI_API_KEY</c>) configures the agent without an environment variable. Environment variables and the command
/// line win; appsettings files and <c>config.yaml</c> lose. Keys map as environment variables do (<c>Agent__Chat__Model</c>
/// is <c>Agent:Chat:Model</c>). Needs the workspace's token (<c>WORKSPACE_AUTH_TOKEN</c> or the token file); values
/// are never logged. <c>LOAD_PLATFORM_SECRETS=false</c> turns it off.
/// </summary>
internal sealed class PlatformSecretsConfiguration : IConfigurationSource
{
    /// <summary>The Python runtime's bound on its boot-time platform reads.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>What the load did, in words for the start-up log (key names and counts only).</summary>
    public string Outcome { get; private set; } = "not loaded";

    /// <summary>The keys and values read; never logged.</summary>
    private Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many keys were loaded.</summary>
    public int Count => _values.Count;

    public static PlatformSecretsConfiguration Add(IConfigurationManager configuration)
    {
        var provider = new PlatformSecretsConfiguration();
        provider.Fetch(configuration);
        var sources = configuration.Sources;
        var firstEnvironment = sources.Select((source, index) => (source, index)).FirstOrDefault(s => s.source is EnvironmentVariablesConfigurationSource);
        sources.Insert(firstEnvironment.source is null ? sources.Count : firstEnvironment.index, provider);
        return provider;
    }

    /// <summary>A provider over the values read once (a configuration rebuild makes a new one; nothing is fetched again).</summary>
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Values(_values);

    private void Fetch(IConfiguration configuration)
    {
        if (string.Equals(configuration["LOAD_PLATFORM_SECRETS"], "false", StringComparison.OrdinalIgnoreCase))
        {
            Outcome = "not loaded (LOAD_PLATFORM_SECRETS=false)";
            return;
        }

        WorkspaceSettings settings;
        try
        {
            settings = WorkspaceSettings.Load(configuration);
        }
        catch (MoleculeWorkspaceConfigurationException)
        {
            Outcome = "not loaded (the workspace settings are invalid)";
            return;   // reported at start, in one line
        }

        var token = new TokenStore(settings.ConfigsDir).Current ?? settings.InitialToken;
        if (token is null)
        {
            Outcome = "not loaded: no workspace token yet (WORKSPACE_AUTH_TOKEN or a token file); they load on the next start";
            return;
        }

        try
        {
#pragma warning disable RS0030 // configuration is read before the app has services; one bounded request, disposed at once
            using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = Timeout }) { Timeout = Timeout };
#pragma warning restore RS0030
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(PlatformRequests.Root(settings.PlatformUrl), $"workspaces/{settings.WorkspaceId}/secrets/values"));
            request.Headers.TryAddWithoutValidation("X-Workspace-ID", settings.WorkspaceId);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = http.Send(request);
            if (!response.IsSuccessStatusCode)
            {
                Outcome = $"not loaded: the platform answered {(int)response.StatusCode}";
                return;
            }

            using var stream = response.Content.ReadAsStream();
            using var document = JsonDocument.Parse(stream);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                Outcome = "not loaded: the platform's answer is not an object";
                return;
            }

            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var secret in document.RootElement.EnumerateObject())
            {
                if (secret.Value.ValueKind == JsonValueKind.String && secret.Name.Length > 0)
                {
                    values[secret.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = secret.Value.GetString();
                }
            }

            _values = values;
            Outcome = values.Count == 0 ? "none set on the platform" : $"{values.Count} loaded ({string.Join(", ", values.Keys.Order(StringComparer.Ordinal))})";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or IOException)
        {
            Outcome = $"not loaded: {(ex is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.GetType().Name)}";
        }
    }

    private sealed class Values : ConfigurationProvider
    {
        public Values(Dictionary<string, string?> values) => Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
    }
}
