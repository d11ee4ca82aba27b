using System.Globalization;
using System.Text.Json;
using Molecule.Workspace.Agent.Tasks;

namespace Molecule.Workspace.Agent;

/// <summary>Which A2A wire format a request asked for (header <c>A2A-Version</c>; absent means 0.3).</summary>
public enum A2AVersion
{
    V03,
    V10,
}

/// <summary>
/// The two thin wire adapters over the one internal task model: parsing messages (every part form either version
/// sends, plus the legacy <c>type</c> tag) and writing tasks, messages, events and errors in 0.3 or 1.0 shape.
/// Written with <see cref="Utf8JsonWriter"/>: no reflection on the hot path, trimming-safe.
/// </summary>
public static class Wire
{
    public static string StateName03(TaskState state) => state switch
    {
        TaskState.Submitted => "submitted",
        TaskState.Working => "working",
        TaskState.InputRequired => "input-required",
        TaskState.AuthRequired => "auth-required",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Canceled => "canceled",
        TaskState.Rejected => "rejected",
        _ => "unknown",
    };

    public static string StateName10(TaskState state) => state switch
    {
        TaskState.Submitted => "TASK_STATE_SUBMITTED",
        TaskState.Working => "TASK_STATE_WORKING",
        TaskState.InputRequired => "TASK_STATE_INPUT_REQUIRED",
        TaskState.AuthRequired => "TASK_STATE_AUTH_REQUIRED",
        TaskState.Completed => "TASK_STATE_COMPLETED",
        TaskState.Failed => "TASK_STATE_FAILED",
        TaskState.Canceled => "TASK_STATE_CANCELED",
        TaskState.Rejected => "TASK_STATE_REJECTED",
        _ => "TASK_STATE_UNSPECIFIED",
    };

    public static TaskState? ParseState(string? name)
    {
        foreach (var state in Enum.GetValues<TaskState>())
        {
            if (string.Equals(name, StateName03(state), StringComparison.OrdinalIgnoreCase) ||
                string.Equals(name, StateName10(state), StringComparison.OrdinalIgnoreCase))
            {
                return state;
            }
        }

        return null;
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // ---- parsing ----------------------------------------------------------------------------------------------

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
            null or "user" or "ROLE_USER" => MessageRole.User,
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
            OptionalString(element, "contextId", path), OptionalString(element, "taskId", path), references, OptionalObject(element, "metadata", path));
    }

    private static Part ParsePart(JsonElement part, string path)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw A2AException.InvalidParams($"{path} must be an object");
        }

        var metadata = OptionalObject(part, "metadata", path);
        var tag = OptionalString(part, "kind", path) ?? OptionalString(part, "type", path);
        switch (tag)
        {
            case "text":
                return new TextPart(RequiredString(part, "text", path)) { Metadata = metadata };
            case "data":
                return part.TryGetProperty("data", out var data)
                    ? new DataPart(data.Clone()) { Metadata = metadata }
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

                return new FilePart(bytes, uri, OptionalString(file, "mimeType", path + ".file"), OptionalString(file, "name", path + ".file")) { Metadata = metadata };
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
            return new FilePart(raw, url, OptionalString(part, "mediaType", path), OptionalString(part, "filename", path)) { Metadata = metadata };
        }

        if (part.TryGetProperty("data", out var value))
        {
            return new DataPart(value.Clone()) { Metadata = metadata };
        }

        throw A2AException.InvalidParams($"{path} is not a text, file or data part");
    }

    public static string? OptionalString(JsonElement element, string name, string path) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw A2AException.InvalidParams($"{path}.{name} must be a string");

    public static string RequiredString(JsonElement element, string name, string path) =>
        OptionalString(element, name, path) is { Length: > 0 } value ? value : throw A2AException.InvalidParams($"{path}.{name} is required");

    public static int? OptionalInt(JsonElement element, string name, string path, int min, int max)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw A2AException.InvalidParams($"{path}.{name} must be a boolean");

    private static JsonElement? OptionalObject(JsonElement element, string name, string path) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Object ? value.Clone()
        : throw A2AException.InvalidParams($"{path}.{name} must be an object");

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

        var state = ParseState(RequiredString(status, "state", path + ".status")) ?? throw A2AException.InvalidParams($"{path}.status.state is not a task state");
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

    // ---- writing ----------------------------------------------------------------------------------------------

    public static void WriteTask(Utf8JsonWriter writer, TaskSnapshot task, A2AVersion version, bool includeArtifacts = true)
    {
        writer.WriteStartObject();
        if (version == A2AVersion.V03)
        {
            writer.WriteString("kind", "task");
        }

        writer.WriteString("id", task.Id);
        writer.WriteString("contextId", task.ContextId);
        writer.WritePropertyName("status");
        WriteStatus(writer, task.Status, version);
        if (includeArtifacts && task.Artifacts.Count > 0)
        {
            writer.WriteStartArray("artifacts");
            foreach (var artifact in task.Artifacts)
            {
                WriteArtifact(writer, artifact, version);
            }

            writer.WriteEndArray();
        }

        if (task.History.Count > 0)
        {
            writer.WriteStartArray("history");
            foreach (var message in task.History)
            {
                WriteMessage(writer, message, version);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public static void WriteStatus(Utf8JsonWriter writer, AgentTaskStatus status, A2AVersion version)
    {
        writer.WriteStartObject();
        writer.WriteString("state", version == A2AVersion.V03 ? StateName03(status.State) : StateName10(status.State));
        if (status.Message is { } message)
        {
            writer.WritePropertyName("message");
            WriteMessage(writer, message, version);
        }

        writer.WriteString("timestamp", Timestamp(status.Timestamp));
        writer.WriteEndObject();
    }

    public static void WriteMessage(Utf8JsonWriter writer, AgentMessage message, A2AVersion version)
    {
        writer.WriteStartObject();
        if (version == A2AVersion.V03)
        {
            writer.WriteString("kind", "message");
        }

        writer.WriteString("messageId", message.MessageId);
        writer.WriteString("role", (version, message.Role) switch
        {
            (A2AVersion.V03, MessageRole.User) => "user",
            (A2AVersion.V03, _) => "agent",
            (_, MessageRole.User) => "ROLE_USER",
            _ => "ROLE_AGENT",
        });
        WriteParts(writer, message.Parts, version);
        if (message.ContextId is { } contextId)
        {
            writer.WriteString("contextId", contextId);
        }

        if (message.TaskId is { } taskId)
        {
            writer.WriteString("taskId", taskId);
        }

        if (message.ReferenceTaskIds is { Count: > 0 } references)
        {
            writer.WriteStartArray("referenceTaskIds");
            foreach (var reference in references)
            {
                writer.WriteStringValue(reference);
            }

            writer.WriteEndArray();
        }

        if (message.Metadata is { } metadata)
        {
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    public static void WriteArtifact(Utf8JsonWriter writer, Artifact artifact, A2AVersion version)
    {
        writer.WriteStartObject();
        writer.WriteString("artifactId", artifact.ArtifactId);
        if (artifact.Name is { } name)
        {
            writer.WriteString("name", name);
        }

        WriteParts(writer, artifact.Parts, version);
        writer.WriteEndObject();
    }

    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<Part> parts, A2AVersion version)
    {
        writer.WriteStartArray("parts");
        foreach (var part in parts)
        {
            writer.WriteStartObject();
            switch (part)
            {
                case TextPart text:
                    if (version == A2AVersion.V03)
                    {
                        writer.WriteString("kind", "text");
                    }

                    writer.WriteString("text", text.Text);
                    break;
                case DataPart data:
                    if (version == A2AVersion.V03)
                    {
                        writer.WriteString("kind", "data");
                    }

                    writer.WritePropertyName("data");
                    data.Data.WriteTo(writer);
                    break;
                case FilePart file when version == A2AVersion.V03:
                    writer.WriteString("kind", "file");
                    writer.WriteStartObject("file");
                    WriteIfSet(writer, "bytes", file.Bytes);
                    WriteIfSet(writer, "uri", file.Uri);
                    WriteIfSet(writer, "mimeType", file.MediaType);
                    WriteIfSet(writer, "name", file.Name);
                    writer.WriteEndObject();
                    break;
                case FilePart file:
                    WriteIfSet(writer, "raw", file.Bytes);
                    WriteIfSet(writer, "url", file.Uri);
                    WriteIfSet(writer, "mediaType", file.MediaType);
                    WriteIfSet(writer, "filename", file.Name);
                    break;
            }

            if (part.Metadata is { } metadata)
            {
                writer.WritePropertyName("metadata");
                metadata.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes a streaming event as a JSON-RPC <c>result</c> value.</summary>
    public static void WriteEvent(Utf8JsonWriter writer, TaskEvent taskEvent, A2AVersion version, bool finalOnInterrupt)
    {
        switch (taskEvent)
        {
            case TaskSnapshotEvent snapshot when version == A2AVersion.V03:
                WriteTask(writer, snapshot.Task, version);
                break;
            case TaskSnapshotEvent snapshot:
                writer.WriteStartObject();
                writer.WritePropertyName("task");
                WriteTask(writer, snapshot.Task, version);
                writer.WriteEndObject();
                break;
            case MessageEvent message when version == A2AVersion.V03:
                WriteMessage(writer, message.Message, version);
                break;
            case MessageEvent message:
                writer.WriteStartObject();
                writer.WritePropertyName("message");
                WriteMessage(writer, message.Message, version);
                writer.WriteEndObject();
                break;
            case StatusUpdateEvent status:
                writer.WriteStartObject();
                if (version == A2AVersion.V03)
                {
                    writer.WriteString("kind", "status-update");
                }
                else
                {
                    writer.WriteStartObject("statusUpdate");
                }

                writer.WriteString("taskId", status.TaskId);
                writer.WriteString("contextId", status.ContextId);
                writer.WritePropertyName("status");
                WriteStatus(writer, status.Status, version);
                if (version == A2AVersion.V03)
                {
                    writer.WriteBoolean("final", status.Final || (finalOnInterrupt && status.Status.State.IsInterrupted()));
                }
                else
                {
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                break;
            case ArtifactUpdateEvent artifact:
                writer.WriteStartObject();
                if (version == A2AVersion.V03)
                {
                    writer.WriteString("kind", "artifact-update");
                }
                else
                {
                    writer.WriteStartObject("artifactUpdate");
                }

                writer.WriteString("taskId", artifact.TaskId);
                writer.WriteString("contextId", artifact.ContextId);
                writer.WritePropertyName("artifact");
                WriteArtifact(writer, artifact.Artifact, version);
                writer.WriteBoolean("append", artifact.Append);
                writer.WriteBoolean("lastChunk", artifact.LastChunk);
                if (version == A2AVersion.V10)
                {
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>Writes the JSON-RPC error object (<c>data</c> carries an ErrorInfo in 1.0, nothing in 0.3).</summary>
    public static void WriteError(Utf8JsonWriter writer, int code, string message, A2AVersion version)
    {
        writer.WriteStartObject("error");
        writer.WriteNumber("code", code);
        writer.WriteString("message", message);
        if (version == A2AVersion.V10)
        {
            writer.WriteStartArray("data");
            writer.WriteStartObject();
            writer.WriteString("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            writer.WriteString("reason", A2AErrorCodes.Reason(code));
            writer.WriteString("domain", "a2a-protocol.org");
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
