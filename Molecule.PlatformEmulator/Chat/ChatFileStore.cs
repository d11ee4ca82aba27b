using System.Collections.Concurrent;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Chat;

/// <summary>An uploaded file, kept by the emulator where the real platform copies it into the workspace's container.</summary>
public sealed record ChatFile(string Path, string Name, string? MimeType, byte[] Content);

/// <summary>
/// Chat uploads per workspace, in memory (supplement §13's position for external workspaces): the newest files up to
/// <see cref="MaxBytesPerWorkspace"/>, served back by <c>chat/download</c> at the paths the upload returned.
/// </summary>
public sealed class ChatFileStore : IEmulatorStore
{
    public const string UploadDirectory = "/workspace/.molecule/chat-uploads/";
    public const long MaxBytesPerWorkspace = 256L * 1024 * 1024;

    private readonly ConcurrentDictionary<Guid, LinkedList<ChatFile>> _files = new();

    public void Add(Guid workspaceId, ChatFile file)
    {
        var files = _files.GetOrAdd(workspaceId, _ => new LinkedList<ChatFile>());
        lock (files)
        {
            files.AddFirst(file);
            var total = files.Sum(f => (long)f.Content.Length);
            while (total > MaxBytesPerWorkspace && files.Last is { } oldest && oldest != files.First)
            {
                total -= oldest.Value.Content.Length;
                files.RemoveLast();
            }
        }
    }

    public ChatFile? Find(Guid workspaceId, string path)
    {
        if (!_files.TryGetValue(workspaceId, out var files))
        {
            return null;
        }

        lock (files)
        {
            return files.FirstOrDefault(f => f.Path == path);
        }
    }

    public void Clear() => _files.Clear();
}
