namespace Molecule.Platform.Client;

/// <summary>
/// The workspace's auth token in <c>CONFIGS_DIR/.auth_token</c>: one line, no trailing newline, mode 0600, written
/// atomically (temp file + rename) and only when the value changes. The real provisioner pre-writes and rotates this
/// file, so callers re-read it (<see cref="Reload"/>) before concluding that a token is bad.
/// </summary>
public sealed class TokenStore
{
    /// <summary>The token file's name in the folder, as the Molecule runtime names it.</summary>
    public const string FileName = ".auth_token";

    private readonly Lock _gate = new();
    private string? _token;

    /// <summary>A store backed by <c>directory/.auth_token</c> (created 0600 on first save).</summary>
    /// <param name="directory">The folder, e.g. <c>/configs</c>.</param>
    public TokenStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
        _token = ReadFile();
    }

    /// <summary>A store that keeps the token in memory only (custom agents without a writable folder).</summary>
    private TokenStore()
    {
        Directory = "";
        FilePath = "";
    }

    /// <summary>A store that keeps the token in memory only.</summary>
    /// <param name="token">The initial token, if any.</param>
    public static TokenStore InMemory(string? token = null) => new() { _token = Normalize(token) };

    /// <summary>The folder; empty for an in-memory store.</summary>
    public string Directory { get; }

    /// <summary>The token file; empty for an in-memory store.</summary>
    public string FilePath { get; }

    /// <summary>True when the token is kept in a file.</summary>
    public bool IsPersistent => FilePath.Length > 0;

    /// <summary>The token currently held, or null when none is known.</summary>
    public string? Current
    {
        get
        {
            lock (_gate)
            {
                return _token;
            }
        }
    }

    /// <summary>Re-reads the file. Returns true when the value on disk differs from the one held (and adopts it).</summary>
    public bool Reload()
    {
        if (!IsPersistent)
        {
            return false;
        }

        var onDisk = ReadFile();
        lock (_gate)
        {
            if (onDisk == _token)
            {
                return false;
            }

            _token = onDisk;
            return true;
        }
    }

    /// <summary>Holds <paramref name="token"/> and persists it before returning (no-op when unchanged).</summary>
    public void Save(string token)
    {
        var value = Normalize(token) ?? throw new ArgumentException("A token must not be empty.", nameof(token));
        lock (_gate)
        {
            if (value == _token && (!IsPersistent || ReadFile() == value))
            {
                return;
            }

            if (IsPersistent)
            {
                PrivateFile.WriteAtomically(FilePath, System.Text.Encoding.UTF8.GetBytes(value));
            }

            _token = value;
        }
    }

    private string? ReadFile()
    {
        try
        {
            return File.Exists(FilePath) ? Normalize(File.ReadAllText(FilePath)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Normalize(string? token)
    {
        var trimmed = token?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }
}
