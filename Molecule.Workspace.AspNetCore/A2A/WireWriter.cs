using System.Text.Json;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>Writes tasks, messages, events and errors in the A2A 0.3 or 1.0 shape, with <see cref="Utf8JsonWriter"/> (no reflection).</summary>
internal static class WireWriter
{
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
            for (var a = 0; a < task.Artifacts.Count; a++)
            {
                var artifact = task.Artifacts[a];
                WriteArtifact(writer, artifact, version);
            }

            writer.WriteEndArray();
        }

        if (task.History.Count > 0)
        {
            writer.WriteStartArray("history");
            for (var m = 0; m < task.History.Count; m++)
            {
                var message = task.History[m];
                WriteMessage(writer, message, version);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public static void WriteStatus(Utf8JsonWriter writer, AgentTaskStatus status, A2AVersion version)
    {
        writer.WriteStartObject();
        writer.WriteString("state", WireNames.StateName(status.State, version));
        if (status.Message is { } message)
        {
            writer.WritePropertyName("message");
            WriteMessage(writer, message, version);
        }

        writer.WriteString("timestamp", WireNames.Timestamp(status.Timestamp));
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
            for (var r = 0; r < references.Count; r++)
            {
                var reference = references[r];
                writer.WriteStringValue(reference);
            }

            writer.WriteEndArray();
        }

        if (message.Metadata is { } metadata)
        {
            writer.WritePropertyName("metadata");
            JsonValues.Write(writer, metadata);
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

    // Indexed loops here and above: a foreach over an IReadOnlyList boxes its enumerator, for every list of every message.
    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<Part> parts, A2AVersion version)
    {
        writer.WriteStartArray("parts");
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
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
                    JsonValues.Write(writer, data.Data);
                    break;
                case FilePart file when version == A2AVersion.V03:
                    writer.WriteString("kind", "file");
                    writer.WriteStartObject("file");
                    WriteIfSet(writer, "bytes", Base64(file));
                    WriteIfSet(writer, "uri", file.Uri?.OriginalString);
                    WriteIfSet(writer, "mimeType", file.MediaType);
                    WriteIfSet(writer, "name", file.Name);
                    writer.WriteEndObject();
                    break;
                case FilePart file:
                    WriteIfSet(writer, "raw", Base64(file));
                    WriteIfSet(writer, "url", file.Uri?.OriginalString);
                    WriteIfSet(writer, "mediaType", file.MediaType);
                    WriteIfSet(writer, "filename", file.Name);
                    break;
            }

            if (part.Metadata is { } metadata)
            {
                writer.WritePropertyName("metadata");
                JsonValues.Write(writer, metadata);
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

    private static string? Base64(FilePart file) => file.Bytes is { } bytes ? Convert.ToBase64String(bytes.Span) : null;

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
