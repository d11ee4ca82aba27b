using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Molecule.Workspace.ControlPlane;

namespace Molecule.Workspace.Card;

/// <summary>
/// The agent card, serialised once: a combined document that A2A 0.3 and 1.0 readers both accept (served without a
/// version header and sent to the platform), and the pure 1.0 document (served for <c>A2A-Version: 1.0</c>).
/// </summary>
internal sealed class AgentCard : IDisposable
{
    private readonly string _url;
    private readonly IDisposable? _subscription;
    private volatile CardDocuments _current;

    public AgentCard(IOptionsMonitor<AgentOptions> options, WorkspaceSettings settings)
    {
        _url = settings.AgentUrl + "/";
        _current = new CardDocuments(options.CurrentValue, _url);
        // The card follows its configuration (config.yaml edits, a skill added at run time): rebuilt and announced once per real change.
        _subscription = options.OnChange(changed =>
        {
            var next = new CardDocuments(changed, _url);
            if (!next.Combined.AsSpan().SequenceEqual(_current.Combined))
            {
                _current = next;
                Changed?.Invoke();
            }
        });
    }

    /// <summary>Raised after the card changed (its documents differ from the ones before).</summary>
    public event Action? Changed;

    /// <summary>The documents now; read once per request so the body and its ETag belong together.</summary>
    public CardDocuments Current => _current;

    public string Url => _url;

    public string CombinedJson => _current.CombinedJson;

    public IReadOnlyList<string> Skills => _current.Skills;

    public void Dispose() => _subscription?.Dispose();

    /// <summary>One version of the card, serialised once.</summary>
    internal sealed class CardDocuments
    {
        public CardDocuments(AgentOptions agent, string url)
        {
            Combined = Build(agent, url, legacy: true);
            V10 = Build(agent, url, legacy: false);
            CombinedJson = System.Text.Encoding.UTF8.GetString(Combined);
            CombinedETag = ETag(Combined);
            V10ETag = ETag(V10);
            Skills = agent.Skills.Select(s => s.Id).ToArray();
        }

        public byte[] Combined { get; }

        public byte[] V10 { get; }

        public string CombinedJson { get; }

        public string CombinedETag { get; }

        public string V10ETag { get; }

        public IReadOnlyList<string> Skills { get; }
    }

    private static byte[] Build(AgentOptions agent, string url, bool legacy)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("name", agent.Name);
            writer.WriteString("description", agent.Description);
            writer.WriteString("version", agent.Version);
            if (legacy)
            {
                writer.WriteString("protocolVersion", "0.3.0");
                writer.WriteString("url", url);
                writer.WriteString("preferredTransport", "JSONRPC");
                writer.WriteBoolean("supportsAuthenticatedExtendedCard", false);
            }

            writer.WriteStartArray("supportedInterfaces");
            foreach (var version in (string[])["1.0", "0.3"])
            {
                writer.WriteStartObject();
                writer.WriteString("url", url);
                writer.WriteString("protocolBinding", "JSONRPC");
                writer.WriteString("protocolVersion", version);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("capabilities");
            writer.WriteBoolean("streaming", true);
            writer.WriteBoolean("pushNotifications", false);
            if (legacy)
            {
                writer.WriteBoolean("stateTransitionHistory", false);
            }
            else
            {
                writer.WriteBoolean("extendedAgentCard", false);
            }

            writer.WriteEndObject();
            WriteStrings(writer, "defaultInputModes", agent.DefaultInputModes);
            WriteStrings(writer, "defaultOutputModes", agent.DefaultOutputModes);
            writer.WriteStartArray("skills");
            foreach (var skill in agent.Skills)
            {
                writer.WriteStartObject();
                writer.WriteString("id", skill.Id);
                writer.WriteString("name", skill.Name ?? skill.Id);
                writer.WriteString("description", skill.Description ?? skill.Name ?? skill.Id);
                WriteStrings(writer, "tags", skill.Tags);
                if (skill.Examples.Count > 0)
                {
                    WriteStrings(writer, "examples", skill.Examples);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    // A version tag, not a secret: a CRC and the length tell the card's versions apart without loading the platform's
    // cryptography library at start (OpenSSL is a few MB of a native workspace's resident memory).
    private static string ETag(byte[] body) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{Infrastructure.Crc32.Compute(body):x8}-{body.Length:x}\"");
}
