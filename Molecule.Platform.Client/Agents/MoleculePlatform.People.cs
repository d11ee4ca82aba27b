using System.Net.Http.Headers;
using System.Text.Json;

namespace Molecule.Platform.Client;

/// <summary>The calls that reach people: messages and files to the user, approvals, and the agent's instructions.</summary>
public sealed partial class MoleculePlatform
{
    private static readonly TimeSpan DefaultApprovalPoll = TimeSpan.FromSeconds(5);

    /// <summary>Sends the user a message, with files uploaded first (<see cref="UploadChatFilesAsync"/>), to the canvas chat (<c>POST /workspaces/{id}/notify</c>).</summary>
    /// <param name="message">The text.</param>
    /// <param name="attachments">Files from an upload.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task NotifyUserAsync(string message, IReadOnlyList<ChatAttachment>? attachments = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        using var _ = await SendAsync("POST /workspaces/{id}/notify", HttpMethod.Post, $"workspaces/{Self}/notify", writer =>
        {
            writer.WriteString("message", message);
            if (attachments is { Count: > 0 })
            {
                writer.WriteStartArray("attachments");
                foreach (var attachment in attachments)
                {
                    writer.WriteStartObject();
                    writer.WriteString("uri", attachment.Uri);
                    writer.WriteString("name", attachment.Name);
                    if (attachment.MimeType is { } type)
                    {
                        writer.WriteString("mimeType", type);
                    }

                    if (attachment.Size is { } size)
                    {
                        writer.WriteNumber("size", size);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
        }, RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads files for a message to the user (<c>POST /workspaces/{id}/chat/uploads</c>); one attachment per file, in order.</summary>
    /// <param name="files">The files.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ChatAttachment>> UploadChatFilesAsync(IReadOnlyList<ChatFileUpload> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        const string Route = "POST /workspaces/{id}/chat/uploads";
        using var document = await SendContentAsync(Route, HttpMethod.Post, $"workspaces/{Self}/chat/uploads", () =>
        {
            var form = new MultipartFormDataContent();
            foreach (var file in files)
            {
                var part = new ReadOnlyMemoryContent(file.Content);
                part.Headers.ContentType = new MediaTypeHeaderValue(file.MimeType);
                form.Add(part, "files", file.Name);
            }

            return form;
        }, TimeSpan.FromMinutes(2), cancellationToken, extraHeaders: []).ConfigureAwait(false);
        var uploaded = document.RootElement.TryGetProperty("files", out var list) ? Array(list) : [];
        if (uploaded.Count != files.Count)
        {
            // As the Python runtime does: never notify with a partial set of files.
            throw new PlatformApiException(Route, null, $"the platform stored {uploaded.Count} of {files.Count} files");
        }

        return [.. uploaded.Select(f => new ChatAttachment(Text(f, "uri") ?? "", Text(f, "name") ?? "", Text(f, "mimeType"), Long(f, "size")))];
    }

    /// <summary>Asks a person to approve an action (<c>POST /workspaces/{id}/approvals</c>); the canvas shows it with Approve and Deny.</summary>
    /// <param name="action">What the agent wants to do.</param>
    /// <param name="reason">Why.</param>
    /// <param name="taskId">The task it is part of.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The approval's id, for <see cref="WaitForApprovalAsync"/>.</returns>
    public async Task<string> RequestApprovalAsync(string action, string? reason = null, string? taskId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        using var document = await SendAsync("POST /workspaces/{id}/approvals", HttpMethod.Post, $"workspaces/{Self}/approvals", writer =>
        {
            writer.WriteString("action", action);
            writer.WriteString("reason", reason ?? "");
            writer.WriteString("task_id", taskId ?? "");
        }, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return Text(document.RootElement, "approval_id") ?? "";
    }

    /// <summary>
    /// Waits for a person's decision, polling <c>GET /workspaces/{id}/approvals</c> (the platform emits no event a
    /// workspace socket could wait for). After <paramref name="timeout"/> the answer is <c>pending</c>.
    /// </summary>
    /// <param name="approvalId">The request.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="pollInterval">How often to look (5 s when null).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<ApprovalDecision> WaitForApprovalAsync(string approvalId, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(approvalId);
        var started = _time.GetTimestamp();
        while (true)
        {
            using (var document = await SendAsync("GET /workspaces/{id}/approvals", HttpMethod.Get, $"workspaces/{Self}/approvals", null, RequestTimeout, cancellationToken)
                .ConfigureAwait(false))
            {
                foreach (var row in Array(document.RootElement))
                {
                    if (Text(row, "id") == approvalId && Text(row, "status") is { } status && status != "pending")
                    {
                        return new ApprovalDecision(approvalId, status, Text(row, "decided_by"));
                    }
                }
            }

            var left = timeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return new ApprovalDecision(approvalId, "pending", null);
            }

            var interval = pollInterval ?? DefaultApprovalPoll;
            await Task.Delay(interval < left ? interval : left, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The platform's instructions for this workspace, global rules then role rules (<c>GET /workspaces/{id}/instructions/resolve</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<string> ResolveInstructionsAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync("GET /workspaces/{id}/instructions/resolve", HttpMethod.Get, $"workspaces/{Self}/instructions/resolve", null, RequestTimeout,
            cancellationToken).ConfigureAwait(false);
        return Text(document.RootElement, "instructions") ?? "";
    }

    /// <summary>The files a parent shares with its children (<c>GET /workspaces/{parent}/shared-context</c>).</summary>
    /// <param name="parentId">The parent.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<SharedContextFile>> GetSharedContextAsync(string parentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentId);
        using var document = await SendAsync("GET /workspaces/{id}/shared-context", HttpMethod.Get, $"workspaces/{Uri.EscapeDataString(parentId)}/shared-context", null,
            RequestTimeout, cancellationToken).ConfigureAwait(false);
        return [.. Array(document.RootElement).Select(f => new SharedContextFile(Text(f, "path") ?? "", Text(f, "content") ?? ""))];
    }

    /// <summary>Adds a row to this workspace's activity (<c>POST /workspaces/{id}/activity</c>).</summary>
    /// <param name="report">The row.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task ReportActivityAsync(ActivityReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var _ = await SendAsync("POST /workspaces/{id}/activity", HttpMethod.Post, $"workspaces/{Self}/activity", writer =>
        {
            writer.WriteString("activity_type", report.ActivityType);
            WriteOptional(writer, "summary", report.Summary);
            WriteOptional(writer, "method", report.Method);
            WriteOptional(writer, "target_id", report.TargetId);
            WriteOptional(writer, "status", report.Status);
            WriteOptional(writer, "error_detail", report.ErrorDetail);
            if (report.DurationMs is { } duration)
            {
                writer.WriteNumber("duration_ms", duration);
            }

            if (report.Metadata is { } metadata)
            {
                writer.WritePropertyName("metadata");
                metadata.WriteTo(writer);
            }
        }, RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    private static long? Long(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;
}
