using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Chat;

/// <summary>
/// Messages to the user and the files they carry (supplement §6): <c>notify</c> (the broadcast, and the activity row
/// the canvas chat history reads), <c>chat/uploads</c> and <c>chat/download</c>, on the <c>/workspaces/{id}</c> group.
/// </summary>
public static class ChatEndpoints
{
    /// <summary>The whole multipart body an upload may have.</summary>
    public const long MaxUploadBytes = 50L * 1024 * 1024;

    private const long MaxFileBytes = 25L * 1024 * 1024;
    private static readonly string[] DownloadRoots = ["/configs", "/workspace", "/home", "/plugins"];
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static bool IsUpload(PathString path) => path.Value?.EndsWith("/chat/uploads", StringComparison.Ordinal) == true;

    public static RouteGroupBuilder MapChat(this RouteGroupBuilder scoped)
    {
        var group = scoped.MapFeature("", "Chat");
        group.MapPost("/notify", Notify).WithRequestBody();
        group.MapPost("/chat/uploads", UploadAsync);
        group.MapGet("/chat/download", Download);
        return group;
    }

    private static Results<Ok<StatusAnswer>, ContractError> Notify(Body<NotifyRequest> body, HttpContext context, PlatformState state, UserMessages messages)
    {
        var id = context.WorkspaceId();
        if (state.Find(id) is not { } row || row.Status == WorkspaceStatus.Removed)
        {
            return ContractError.NotFound("workspace not found");
        }

        messages.Send(row, body.Value.Message!, body.Value.Attachments?.Select(a => a!).ToArray() ?? [], writeActivity: true);
        return TypedResults.Ok(new StatusAnswer("sent"));
    }

    private static async Task<Results<Ok<UploadAnswer>, ContractError>> UploadAsync(HttpContext context, ChatFileStore files, EmulatorOptions options)
    {
        IFormCollection form;
        try
        {
            if (!context.Request.HasFormContentType)
            {
                return ContractError.BadRequest("failed to parse multipart form");
            }

            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return ContractError.BadRequest("failed to parse multipart form");
        }

        var parts = form.Files.GetFiles("files");
        if (parts.Count == 0)
        {
            return ContractError.BadRequest("expected at least one 'files' field");
        }

        if (options.Strict)
        {
            return ContractError.Unavailable("workspace container not running");   // the real platform copies uploads into a container
        }

        if (parts.FirstOrDefault(p => p.Length > MaxFileBytes) is { } tooLarge)
        {
            return ContractError.TooLarge($"{tooLarge.FileName} exceeds per-file limit (25 MB)");
        }

        var id = context.WorkspaceId();
        var answers = new List<Attachment>(parts.Count);
        foreach (var part in parts)
        {
            var name = SanitiseName(part.FileName);
            var path = $"{ChatFileStore.UploadDirectory}{Guid.NewGuid():N}-{name}";
            using var buffer = new MemoryStream();
            await part.CopyToAsync(buffer, context.RequestAborted);
            var type = string.IsNullOrEmpty(part.ContentType) ? ContentTypes.TryGetContentType(name, out var byName) ? byName : null : part.ContentType;
            files.Add(id, new ChatFile(path, name, type, buffer.ToArray()));
            answers.Add(new Attachment { Uri = "workspace:" + path, Name = name, MimeType = type, Size = buffer.Length });
        }

        return TypedResults.Ok(new UploadAnswer(answers));
    }

    private static Results<FileContentHttpResult, ContractError> Download(HttpContext context, ChatFileStore files, EmulatorOptions options)
    {
        var path = context.Request.Query["path"].ToString();
        if (path.Length == 0)
        {
            return ContractError.BadRequest("path query required");
        }

        if (!path.StartsWith('/'))
        {
            return ContractError.BadRequest("path must be absolute");
        }

        if (!DownloadRoots.Any(root => path == root || path.StartsWith(root + "/", StringComparison.Ordinal)))
        {
            return ContractError.BadRequest("path must be under /configs, /workspace, /home, or /plugins");
        }

        if (path.Contains("..", StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal) || path.Contains("/./", StringComparison.Ordinal) ||
            path.EndsWith("/.", StringComparison.Ordinal) || (path.Length > 1 && path.EndsWith('/')))
        {
            return ContractError.BadRequest("invalid path");
        }

        if (options.Strict)
        {
            return ContractError.Unavailable("docker unavailable");
        }

        if (files.Find(context.WorkspaceId(), path) is not { } file)
        {
            return ContractError.NotFound("file not found");
        }

        context.Response.Headers.ContentDisposition = ContentDisposition(file.Name);
        var type = ContentTypes.TryGetContentType(file.Name, out var byName) ? byName : "application/octet-stream";
        return TypedResults.File(file.Content, type);
    }

    /// <summary>Supplement §6.2: base name, spaces and anything outside <c>[A-Za-z0-9._-]</c> to <c>_</c>, at most 100 bytes.</summary>
    internal static string SanitiseName(string? fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        name = clean.ToString();
        if (name.Length > 100)
        {
            var extension = Path.GetExtension(name);
            name = extension.Length is > 0 and <= 16 ? name[..(100 - extension.Length)] + extension : name[..100];
        }

        return name is "" or "." or ".." ? "file" : name;
    }

    private static string ContentDisposition(string name)
    {
        var plain = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                continue;
            }

            plain.Append(c is '\\' or '"' ? "\\" + c : c.ToString());
        }

        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            var c = (char)b;
            encoded.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' ? c.ToString() : $"%{b:X2}");
        }

        return $"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}";
    }
}
