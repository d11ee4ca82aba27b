using System.Globalization;
using System.Text.Json;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>
/// Reads messages and parts in every form either A2A version sends (plus the legacy <c>type</c> tag) into the public
/// message model, and the typed fields of request parameters. Every refusal is InvalidParams naming the field.
/// </summary>
internal static class WireReader
{
    /// <summary>Reads a Message; <paramref name="path"/> names it in error messages (e.g. <c>params.message</c>).</summary>
    public static AgentMessage ParseMessage(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw A2AException.InvalidParams($"{path} must be an object");
        }

        var messageId = OptionalString(element, "messageId", path);
        if (string.IsNullOrEmpty(messageId))
        {
            throw A2AException.InvalidParams($"{path}.messageId is required");
        }

        var role = OptionalString(element, "role", path) switch
        {
            null => throw A2AException.InvalidParams($"{path}.role is required (user or agent)"),
            "user" or "ROLE_USER" => MessageRole.User,
            "agent" or "ROLE_AGENT" => MessageRole.Agent,
            var other => throw A2AException.InvalidParams($"{path}.role '{other}' is not user or agent"),
        };

        if (!element.TryGetProperty("parts", out var partsElement) || partsElement.ValueKind != JsonValueKind.Array)
        {
            throw A2AException.InvalidParams($"{path}.parts must be an array");
        }

        var parts = new List<Part>(partsElement.GetArrayLength());
        var index = 0;
        foreach (var part in partsElement.EnumerateArray())
        {
            parts.Add(ParsePart(part, $"{path}.parts[{index++}]"));
        }

        if (parts.Count == 0)
        {
            throw A2AException.InvalidParams($"{path}.parts must not be empty");
        }

        IReadOnlyList<string>? references = null;
        if (element.TryGetProperty("referenceTaskIds", out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            references = refs.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!).ToArray();
        }

        return new AgentMessage(messageId, role, parts,
            OptionalString(element, "contextId", path), OptionalString(element, "taskId", path), references, OptionalMap(element, "metadata", path));
    }

    private static Part ParsePart(JsonElement part, string path)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw A2AException.InvalidParams($"{path} must be an object");
        }

        var metadata = OptionalMap(part, "metadata", path);
        var tag = OptionalString(part, "kind", path) ?? OptionalString(part, "type", path);
        switch (tag)
        {
            case "text":
                return new TextPart(RequiredString(part, "text", path)) { Metadata = metadata };
            case "data":
                return part.TryGetProperty("data", out var data)
                    ? new DataPart(Data(data, path)) { Metadata = metadata }
                    : throw A2AException.InvalidParams($"{path}.data is required for a data part");
            case "file":
                if (!part.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.Object)
                {
                    throw A2AException.InvalidParams($"{path}.file must be an object");
                }

                var bytes = OptionalString(file, "bytes", path + ".file");
                var uri = OptionalString(file, "uri", path + ".file");
                if (bytes is null == (uri is null))
                {
                    throw A2AException.InvalidParams($"{path}.file needs exactly one of bytes or uri");
                }

                return File(bytes, uri, OptionalString(file, "mimeType", path + ".file"), OptionalString(file, "name", path + ".file"), path + ".file") with { Metadata = metadata };
            case null:
                break;
            default:
                throw A2AException.InvalidParams($"{path}.kind '{tag}' is not text, file or data");
        }

        if (part.TryGetProperty("text", out var text))
        {
            return text.ValueKind == JsonValueKind.String
                ? new TextPart(text.GetString()!) { Metadata = metadata }
                : throw A2AException.InvalidParams($"{path}.text must be a string");
        }

        if (part.TryGetProperty("raw", out _) || part.TryGetProperty("url", out _))
        {
            var raw = OptionalString(part, "raw", path);
            var url = OptionalString(part, "url", path);
            if (raw is null == (url is null))
            {
                throw A2AException.InvalidParams($"{path} needs exactly one of raw or url");
            }

            return File(raw, url, OptionalString(part, "mediaType", path), OptionalString(part, "filename", path), path) with { Metadata = metadata };
        }

        if (part.TryGetProperty("data", out var value))
        {
            return new DataPart(Data(value, path)) { Metadata = metadata };
        }

        throw A2AException.InvalidParams($"{path} is not a text, file or data part");
    }

    public static string? OptionalString(JsonElement element, string name, string path) =>
        element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw A2AException.InvalidParams($"{path}.{name} must be a string");

    public static string RequiredString(JsonElement element, string name, string path) =>
        OptionalString(element, name, path) is { Length: > 0 } value ? value : throw A2AException.InvalidParams($"{path}.{name} is required");

    public static int? OptionalInt(JsonElement element, string name, string path, int min, int max)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw A2AException.InvalidParams($"{path}.{name} must be an integer");
        }

        return number < min || number > max
            ? throw A2AException.InvalidParams($"{path}.{name} must be between {min} and {max}; got {number}")
            : number;
    }

    public static bool? OptionalBool(JsonElement element, string name, string path) =>
        element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw A2AException.InvalidParams($"{path}.{name} must be a boolean");

    private static IReadOnlyDictionary<string, object?>? OptionalMap(JsonElement element, string name, string path) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Object ? JsonValues.ToDictionary(value)
        : throw A2AException.InvalidParams($"{path}.{name} must be an object");

    private static IReadOnlyDictionary<string, object?> Data(JsonElement data, string path) =>
        data.ValueKind == JsonValueKind.Object
            ? JsonValues.ToDictionary(data)
            : throw A2AException.InvalidParams($"{path}.data must be an object");

    private static FilePart File(string? base64, string? uri, string? mediaType, string? name, string path)
    {
        if (base64 is not null)
        {
            var bytes = new byte[base64.Length * 3 / 4 + 3];
            return Convert.TryFromBase64String(base64, bytes, out var written)
                ? FilePart.FromBytes(bytes.AsMemory(0, written), mediaType, name)
                : throw A2AException.InvalidParams($"{path} bytes are not valid base64");
        }

        return Uri.TryCreate(uri, UriKind.RelativeOrAbsolute, out var link)
            ? FilePart.FromUri(link, mediaType, name)
            : throw A2AException.InvalidParams($"{path} uri is not a URI");
    }

    /// <summary>Reads a task in the 1.0 shape (the snapshot format).</summary>
    public static TaskSnapshot ParseTask(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw A2AException.InvalidParams($"{path} must be an object");
        }

        var id = RequiredString(element, "id", path);
        var contextId = RequiredString(element, "contextId", path);
        if (!element.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object)
        {
            throw A2AException.InvalidParams($"{path}.status must be an object");
        }

        var state = WireNames.ParseState(RequiredString(status, "state", path + ".status")) ?? throw A2AException.InvalidParams($"{path}.status.state is not a task state");
        var message = status.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? ParseMessage(m, path + ".status.message") : null;
        var timestamp = OptionalString(status, "timestamp", path + ".status") is { } t
            ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : DateTimeOffset.UnixEpoch;

        var artifacts = new List<Artifact>();
        if (element.TryGetProperty("artifacts", out var artifactArray) && artifactArray.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var artifact in artifactArray.EnumerateArray())
            {
                var artifactPath = $"{path}.artifacts[{i++}]";
                var parts = new List<Part>();
                var j = 0;
                if (artifact.TryGetProperty("parts", out var partArray) && partArray.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in partArray.EnumerateArray())
                    {
                        parts.Add(ParsePart(part, $"{artifactPath}.parts[{j++}]"));
                    }
                }

                artifacts.Add(new Artifact(RequiredString(artifact, "artifactId", artifactPath), OptionalString(artifact, "name", artifactPath), parts));
            }
        }

        var history = new List<AgentMessage>();
        if (element.TryGetProperty("history", out var historyArray) && historyArray.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var entry in historyArray.EnumerateArray())
            {
                history.Add(ParseMessage(entry, $"{path}.history[{i++}]"));
            }
        }

        return new TaskSnapshot(id, contextId, new AgentTaskStatus(state, message, timestamp), artifacts, history);
    }
}
