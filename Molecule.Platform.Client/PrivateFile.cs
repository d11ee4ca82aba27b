namespace Molecule.Platform.Client;

/// <summary>Owner-only files (the token, the shutdown snapshot): folders 0700, files 0600, replaced atomically.</summary>
internal static class PrivateFile
{
    /// <summary>Creates <paramref name="directory"/> with mode 0700 when it does not exist yet.</summary>
    public static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Writes <paramref name="content"/> to a 0600 temp file beside <paramref name="path"/>, flushes it to disk, then renames it over.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
