using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using Molecule.Platform.Client;

namespace Molecule.Workspace;

/// <summary>
/// The platform's tools served by its MCP bridge (<c>POST /workspaces/{id}/mcp</c>, the workspace's bearer), through
/// the official MCP C# client: the same eight tools as <see cref="PlatformTools"/>, run by the platform instead of
/// this process. Keep it alive while the tools are in use; dispose it to close the session.
/// </summary>
public sealed class McpPlatformTools : IAsyncDisposable
{
    private readonly McpClient _client;

    private McpPlatformTools(McpClient client, IReadOnlyList<AIFunction> tools)
    {
        _client = client;
        Tools = tools;
    }

    /// <summary>The bridge's tools, in its order, as <see cref="AIFunction"/>s.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>Connects to the workspace's MCP bridge on the platform and lists its tools.</summary>
    /// <param name="platform">The workspace's platform client (its URL, id and bearer).</param>
    /// <param name="http">The client to send with (from <c>IHttpClientFactory</c>); the caller keeps owning it.</param>
    /// <param name="cancellationToken">Cancels the connection.</param>
    public static async Task<McpPlatformTools> ConnectAsync(MoleculePlatform platform, HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(http);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (platform.Tokens.Current is { } token)
        {
            headers["Authorization"] = $"Bearer {token}";
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(platform.PlatformUrl, $"workspaces/{Uri.EscapeDataString(platform.WorkspaceId)}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
            Name = "molecule-platform",
        }, http, loggerFactory: null, ownsHttpClient: false);
        var client = await McpClient.CreateAsync(transport, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var tools = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new McpPlatformTools(client, [.. tools.Select(t => (AIFunction)new BridgeTool(t))]);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>A bridge tool answering as the native ones do: its text, or <c>Error: …</c> with the platform's words.</summary>
    private sealed class BridgeTool(AIFunction inner) : DelegatingAIFunction(inner)
    {
        private const string RemotePrefix = "Request failed (remote): ";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            try
            {
                var result = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
                return result is TextContent text ? text.Text : result;
            }
            catch (ModelContextProtocol.McpException ex)
            {
                var message = ex.Message.StartsWith(RemotePrefix, StringComparison.Ordinal) ? ex.Message[RemotePrefix.Length..] : ex.Message;
                return $"Error: {message}";
            }
        }
    }
}
