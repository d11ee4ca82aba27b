using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Chat;

/// <summary>
/// A message from an agent to the user (supplement §6.1): the broadcast-only <c>AGENT_MESSAGE</c> with the workspace's
/// name, and the <c>a2a_receive</c>/<c>notify</c> row the canvas chat history reads.
/// </summary>
public sealed class UserMessages(EventBus events, ActivityLog activity)
{
    public void Send(WorkspaceRow row, string message, IReadOnlyList<Attachment> attachments, bool writeActivity)
    {
        var files = attachments.Select(a => a with { MimeType = string.IsNullOrEmpty(a.MimeType) ? null : a.MimeType, Size = a.Size is > 0 ? a.Size : null })
            .ToArray();
        var payload = new JsonObject { ["message"] = message, ["workspace_id"] = row.Id.ToString(), ["name"] = row.Name };
        if (files.Length > 0)
        {
            payload["attachments"] = JsonSerializer.SerializeToNode(files, EmulatorJson.Default.AttachmentArray);
        }

        events.Publish("AGENT_MESSAGE", row.Id, payload);
        if (!writeActivity)
        {
            return;
        }

        var response = new JsonObject { ["result"] = message };
        if (files.Length > 0)
        {
            response["parts"] = new JsonArray([.. files.Select(a => (JsonNode)new JsonObject
            {
                ["kind"] = "file",
                ["file"] = JsonSerializer.SerializeToNode(a, EmulatorJson.Default.Attachment),
            })]);
        }

        activity.Add(row.Id, new ActivityRow
        {
            ActivityType = "a2a_receive",
            Method = "notify",
            Summary = "Agent message: " + Utf8Text.Truncate(message, 80, "…"),
            ResponseBody = response,
        }, broadcast: false);   // a direct insert: no ACTIVITY_LOGGED
    }
}
