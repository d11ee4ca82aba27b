using System.Text.RegularExpressions;

namespace Molecule.PlatformEmulator.Memories;

/// <summary>
/// The platform's scrubbing of memory text (supplement §2.3), applied in this order on every write and on export:
/// each match becomes <c>[REDACTED:&lt;LABEL&gt;]</c>, so a key an agent pastes into a memory is never stored.
/// </summary>
public static partial class MemoryRedaction
{
    public static string Scrub(string text)
    {
        text = ApiKey().Replace(text, "[REDACTED:API_KEY]");
        text = Token().Replace(text, "[REDACTED:TOKEN]");
        text = Secret().Replace(text, "[REDACTED:SECRET]");
        text = Bearer().Replace(text, "[REDACTED:BEARER_TOKEN]");
        text = SkToken().Replace(text, "[REDACTED:SK_TOKEN]");
        text = Ctx7Token().Replace(text, "[REDACTED:CTX7_TOKEN]");
        return Base64Blob().Replace(text, "[REDACTED:BASE64_BLOB]");
    }

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9_]*_API_KEY=\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex ApiKey();

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9_]*_TOKEN=\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Token();

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9_]*_SECRET=\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Secret();

    [GeneratedRegex(@"Bearer\s+\S+", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"sk-[A-Za-z0-9_-]{16,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SkToken();

    [GeneratedRegex(@"ctx7_[A-Za-z0-9]+", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Ctx7Token();

    [GeneratedRegex(@"[A-Za-z0-9+/]{33,}={0,2}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Base64Blob();
}
