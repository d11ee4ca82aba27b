using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Molecule.Platform.Client;
using Molecule.Workspace.A2A;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace.Tasks.Journal;

/// <summary>
/// The journal's own record format, owned by the store (not the A2A wire): one JSON object per record,
/// <c>{"op":"put", "task":{…}}</c> or <c>{"op":"delete","id":…}</c>, snake_case, every string scrubbed of secrets,
/// framed as <c>[length][CRC-32][JSON]</c> so a record torn by a crash is told from a whole one.
/// </summary>
internal static class JournalCodec
{
    public const int HeaderSize = 8;

    /// <summary>A put record, framed, appended to <paramref name="buffer"/>: the JSON is written once, after room left for the header.</summary>
    public static void EncodePut(PersistedTask task, PooledBufferWriter buffer)
    {
        var start = ReserveHeader(buffer);
        WritePut(task, buffer, static text => SecretScrubber.Scrub(text));
        Frame(buffer, start);
    }

    /// <summary>
    /// A put record's JSON without the frame and with nothing scrubbed, appended to <paramref name="buffer"/>: what the store keeps of a finished task in
    /// memory (<see cref="FrozenTask"/>). Read back with <see cref="Decode(ReadOnlyMemory{byte})"/>.
    /// </summary>
    public static void EncodeInMemory(PersistedTask task, PooledBufferWriter buffer) => WritePut(task, buffer, static text => text);

    private static void WritePut(PersistedTask task, PooledBufferWriter buffer, Func<string, string> scrub)
    {
        var writer = JsonWriterCache.Rent(buffer);
        writer.WriteStartObject();
        writer.WriteString("op", "put");
        writer.WriteString("id", task.Id);
        writer.WriteString("context_id", task.ContextId);
        writer.WriteString("state", task.State.ToString());
        writer.WriteString("updated_at", task.UpdatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        if (task.StatusMessage is { } status)
        {
            writer.WritePropertyName("status_message");
            WriteMessage(writer, status, scrub);
        }

        writer.WriteStartArray("artifacts");
        for (var a = 0; a < task.Artifacts.Count; a++)
        {
            var artifact = task.Artifacts[a];
            writer.WriteStartObject();
            writer.WriteString("id", artifact.Id);
            WriteOptional(writer, "name", artifact.Name);
            WriteParts(writer, artifact.Parts, scrub);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("history");
        for (var m = 0; m < task.History.Count; m++)
        {
            var message = task.History[m];
            WriteMessage(writer, message, scrub);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        JsonWriterCache.Return(writer);
    }

    /// <summary>A delete record, framed, appended to <paramref name="buffer"/> (which may hold records before it).</summary>
    public static void EncodeDelete(string taskId, PooledBufferWriter buffer)
    {
        var start = ReserveHeader(buffer);
        var writer = JsonWriterCache.Rent(buffer);
        writer.WriteStartObject();
        writer.WriteString("op", "delete");
        writer.WriteString("id", taskId);
        writer.WriteEndObject();
        JsonWriterCache.Return(writer);
        Frame(buffer, start);
    }

    /// <summary>Room for the header at the end of the buffer; returns where the record starts.</summary>
    private static int ReserveHeader(PooledBufferWriter buffer)
    {
        var start = buffer.WrittenCount;
        buffer.GetSpan(HeaderSize);
        buffer.Advance(HeaderSize);
        return start;
    }

    /// <summary>The payload's length and CRC-32 into the header room at the front of the record that starts at <paramref name="start"/>.</summary>
    private static void Frame(PooledBufferWriter buffer, int start)
    {
        var record = buffer.WrittenSpan[start..];
        var payload = record[HeaderSize..];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32.Compute(payload));
    }

    /// <summary>The record's task id, and the task for a put (null for a delete).</summary>
    public static (string Id, PersistedTask? Task) Decode(ReadOnlySpan<byte> record) => Decode(new ReadOnlyMemory<byte>(record.ToArray()));

    /// <inheritdoc cref="Decode(ReadOnlySpan{byte})"/>
    public static (string Id, PersistedTask? Task) Decode(ReadOnlyMemory<byte> record)
    {
        using var document = JsonDocument.Parse(record);
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

    private static void WriteMessage(Utf8JsonWriter writer, AgentMessage message, Func<string, string> scrub)
    {
        writer.WriteStartObject();
        writer.WriteString("message_id", message.MessageId);
        writer.WriteString("role", message.Role == MessageRole.User ? "user" : "agent");
        WriteOptional(writer, "context_id", message.ContextId);
        WriteOptional(writer, "task_id", message.TaskId);
        if (message.ReferenceTaskIds is { Count: > 0 } references)
        {
            writer.WriteStartArray("reference_task_ids");
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
            JsonValues.Write(writer, metadata, scrub);
        }

        WriteParts(writer, message.Parts, scrub);
        writer.WriteEndObject();
    }

    // Indexed loops here and above: a foreach over an IReadOnlyList boxes its enumerator, for every list of every message.
    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<Part> parts, Func<string, string> scrub)
    {
        writer.WriteStartArray("parts");
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            writer.WriteStartObject();
            switch (part)
            {
                case TextPart text:
                    writer.WriteString("kind", "text");
                    writer.WriteString("text", scrub(text.Text));
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
                    JsonValues.Write(writer, data.Data, scrub);
                    break;
            }

            if (part.Metadata is { } metadata)
            {
                writer.WritePropertyName("metadata");
                JsonValues.Write(writer, metadata, scrub);
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
}
