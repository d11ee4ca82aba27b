using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.Platform.Client;
using Molecule.Workspace.A2A;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.ControlPlane;

/// <summary>
/// The shutdown snapshot in <c>AGENT_SNAPSHOT_PATH</c>:
/// <c>{"workspace_id","timestamp","current_task","active_tasks","uptime_seconds","adapter":{"tasks":[…]}}</c>, every
/// string scrubbed of secrets, written atomically with mode 0600. Tasks use the A2A 1.0 task shape.
/// </summary>
internal sealed class WorkspaceSnapshotStore(WorkspaceSettings settings, TimeProvider time)
{
    /// <summary>
    /// The snapshot's nesting limit: a message is accepted nested up to 64 levels (the A2A reader's limit), and the
    /// snapshot wraps it in its own levels (adapter, tasks, task, history), so reading it back at 64 would fail.
    /// </summary>
    internal const int SnapshotDepth = 128;

    public string Path => settings.SnapshotPath;

    public void Write(IEnumerable<TaskSnapshot> tasks, string currentTask, int activeTasks, long uptimeSeconds)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("workspace_id", settings.WorkspaceId);
            writer.WriteString("timestamp", WireNames.Timestamp(time.GetUtcNow()));
            writer.WriteString("current_task", currentTask);
            writer.WriteNumber("active_tasks", activeTasks);
            writer.WriteNumber("uptime_seconds", uptimeSeconds);
            writer.WriteStartObject("adapter");
            writer.WriteString("format", "a2a-1.0-tasks");
            writer.WriteStartArray("tasks");
            foreach (var task in tasks)
            {
                WireWriter.WriteTask(writer, task, A2AVersion.V10);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var document = JsonNode.Parse(buffer.WrittenSpan, documentOptions: new JsonDocumentOptions { MaxDepth = SnapshotDepth })!;
        Scrub(document);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, SnapshotJsonContext.Default.JsonNode);

        PrivateFile.WriteAtomically(Path, bytes);
    }

    /// <summary>Reads the snapshot's tasks; null when there is none. Throws <see cref="JsonException"/> or <see cref="A2AException"/> when corrupt.</summary>
    public IReadOnlyList<TaskSnapshot>? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(Path), new JsonDocumentOptions { MaxDepth = SnapshotDepth });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("adapter", out var adapter) ||
            !adapter.TryGetProperty("tasks", out var tasks) || tasks.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("the snapshot has no adapter.tasks array");
        }

        return tasks.EnumerateArray().Select((t, i) => WireReader.ParseTask(t, $"adapter.tasks[{i}]")).ToArray();
    }

    private static void Scrub(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToArray())
                {
                    if (value is JsonValue leaf && leaf.TryGetValue<string>(out var text))
                    {
                        obj[key] = SecretScrubber.Scrub(text);
                    }
                    else
                    {
                        Scrub(value);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue leaf && leaf.TryGetValue<string>(out var text))
                    {
                        array[i] = SecretScrubber.Scrub(text);
                    }
                    else
                    {
                        Scrub(array[i]);
                    }
                }

                break;
        }
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(MaxDepth = WorkspaceSnapshotStore.SnapshotDepth)]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
internal sealed partial class SnapshotJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
