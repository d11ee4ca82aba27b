using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Molecule.Platform.Client;
using Molecule.Workspace.A2A;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>
/// The journal's own record format, owned by the store (not the A2A wire): one JSON object per record,
/// <c>{"op":"put", "task":{…}}</c> or <c>{"op":"delete","id":…}</c>, snake_case, every string scrubbed of secrets,
/// framed as <c>[length][CRC-32][JSON]</c> so a record torn by a crash is told from a whole one.
/// </summary>
internal static class JournalCodec
{
    public const int HeaderSize = 8;

    /// <summary>A put record, framed: the JSON is written once, after room left for the header.</summary>
    public static byte[] EncodePut(PersistedTask task)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        buffer.Advance(HeaderSize);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("op", "put");
            writer.WriteString("id", task.Id);
            writer.WriteString("context_id", task.ContextId);
            writer.WriteString("state", task.State.ToString());
            writer.WriteString("updated_at", task.UpdatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            if (task.StatusMessage is { } status)
            {
                writer.WritePropertyName("status_message");
                WriteMessage(writer, status);
            }

            writer.WriteStartArray("artifacts");
            foreach (var artifact in task.Artifacts)
            {
                writer.WriteStartObject();
                writer.WriteString("id", artifact.Id);
                WriteOptional(writer, "name", artifact.Name);
                WriteParts(writer, artifact.Parts);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("history");
            foreach (var message in task.History)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Frame(buffer);
    }

    /// <summary>A delete record, framed.</summary>
    public static byte[] EncodeDelete(string taskId)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        buffer.Advance(HeaderSize);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("op", "delete");
            writer.WriteString("id", taskId);
            writer.WriteEndObject();
        }

        return Frame(buffer);
    }

    /// <summary>The payload's length and CRC-32 into the header room at the front.</summary>
    private static byte[] Frame(ArrayBufferWriter<byte> buffer)
    {
        var record = buffer.WrittenSpan.ToArray();
        var payload = record.AsSpan(HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(payload));
        return record;
    }

    /// <summary>The record's task id, and the task for a put (null for a delete).</summary>
    public static (string Id, PersistedTask? Task) Decode(ReadOnlySpan<byte> record)
    {
        using var document = JsonDocument.Parse(record.ToArray());
        var root = document.RootElement;
        var id = root.GetProperty("id").GetString()!;
        if (root.GetProperty("op").GetString() == "delete")
        {
            return (id, null);
        }

        var task = new PersistedTask(
            id,
            root.GetProperty("context_id").GetString()!,
            Enum.Parse<TaskState>(root.GetProperty("state").GetString()!),
            root.TryGetProperty("status_message", out var status) ? ReadMessage(status) : null,
            DateTimeOffset.Parse(root.GetProperty("updated_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            root.GetProperty("artifacts").EnumerateArray()
                .Select(a => new PersistedArtifact(a.GetProperty("id").GetString()!, Optional(a, "name"), ReadParts(a))).ToArray(),
            root.GetProperty("history").EnumerateArray().Select(ReadMessage).ToArray());
        return (id, task);
    }

    private static void WriteMessage(Utf8JsonWriter writer, AgentMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("message_id", message.MessageId);
        writer.WriteString("role", message.Role == MessageRole.User ? "user" : "agent");
        WriteOptional(writer, "context_id", message.ContextId);
        WriteOptional(writer, "task_id", message.TaskId);
        if (message.ReferenceTaskIds is { Count: > 0 } references)
        {
            writer.WriteStartArray("reference_task_ids");
            foreach (var reference in references)
            {
                writer.WriteStringValue(reference);
            }

            writer.WriteEndArray();
        }

        if (message.Metadata is { } metadata)
        {
            writer.WritePropertyName("metadata");
            JsonValues.Write(writer, metadata, Scrub);
        }

        WriteParts(writer, message.Parts);
        writer.WriteEndObject();
    }

    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<Part> parts)
    {
        writer.WriteStartArray("parts");
        foreach (var part in parts)
        {
            writer.WriteStartObject();
            switch (part)
            {
                case TextPart text:
                    writer.WriteString("kind", "text");
                    writer.WriteString("text", Scrub(text.Text));
                    break;
                case FilePart file:
                    writer.WriteString("kind", "file");
                    WriteOptional(writer, "bytes", file.Bytes is { } bytes ? Convert.ToBase64String(bytes.Span) : null);
                    WriteOptional(writer, "uri", file.Uri?.OriginalString);
                    WriteOptional(writer, "media_type", file.MediaType);
                    WriteOptional(writer, "name", file.Name);
                    break;
                case DataPart data:
                    writer.WriteString("kind", "data");
                    writer.WritePropertyName("data");
                    JsonValues.Write(writer, data.Data, Scrub);
                    break;
            }

            if (part.Metadata is { } metadata)
            {
                writer.WritePropertyName("metadata");
                JsonValues.Write(writer, metadata, Scrub);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static AgentMessage ReadMessage(JsonElement message) => new(
        message.GetProperty("message_id").GetString()!,
        message.GetProperty("role").GetString() == "user" ? MessageRole.User : MessageRole.Agent,
        ReadParts(message),
        Optional(message, "context_id"),
        Optional(message, "task_id"),
        message.TryGetProperty("reference_task_ids", out var references) ? references.EnumerateArray().Select(r => r.GetString()!).ToArray() : null,
        message.TryGetProperty("metadata", out var metadata) ? JsonValues.ToDictionary(metadata) : null);

    private static Part[] ReadParts(JsonElement owner) => owner.GetProperty("parts").EnumerateArray().Select(ReadPart).ToArray();

    private static Part ReadPart(JsonElement part)
    {
        var metadata = part.TryGetProperty("metadata", out var m) ? JsonValues.ToDictionary(m) : null;
        Part read = part.GetProperty("kind").GetString() switch
        {
            "text" => new TextPart(part.GetProperty("text").GetString()!),
            "data" => new DataPart(JsonValues.ToDictionary(part.GetProperty("data"))),
            _ => Optional(part, "bytes") is { } bytes
                ? FilePart.FromBytes(Convert.FromBase64String(bytes), Optional(part, "media_type"), Optional(part, "name"))
                : FilePart.FromUri(new Uri(Optional(part, "uri")!, UriKind.RelativeOrAbsolute), Optional(part, "media_type"), Optional(part, "name")),
        };
        return read with { Metadata = metadata };
    }

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Scrub(string text) => SecretScrubber.Scrub(text);
}
