using System.Text;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>Text cut as the platform cuts it: by UTF-8 bytes (Go's <c>s[:n]</c>), a split character decoding as U+FFFD.</summary>
public static class Utf8Text
{
    /// <summary>The first <paramref name="bytes"/> UTF-8 bytes, and <paramref name="suffix"/> only when it cut something.</summary>
    public static string Truncate(string text, int bytes, string suffix)
    {
        var encoded = Encoding.UTF8.GetBytes(text);
        return encoded.Length <= bytes ? text : Encoding.UTF8.GetString(encoded, 0, bytes) + suffix;
    }
}
