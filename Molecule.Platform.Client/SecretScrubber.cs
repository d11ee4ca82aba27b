using System.Text.RegularExpressions;

namespace Molecule.Platform.Client;

/// <summary>
/// Replaces secrets in free text with <c>[REDACTED:&lt;TYPE&gt;]</c>: bearer values, <c>KEY=</c>/<c>TOKEN=</c>/<c>SECRET=</c>
/// assignments, OpenAI-style <c>sk-</c> keys, GitHub, AWS and Cloudflare-style tokens, and any base64-like run of 33 or
/// more characters (which covers the platform's own 43-character tokens).
/// </summary>
internal static partial class SecretScrubber
{
    public static string Scrub(string text, int maxLength = int.MaxValue)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (!MayHoldSecret(text))
        {
            return text.Length <= maxLength ? text : text[..maxLength];
        }

        var result = BearerPattern().Replace(text, "$1[REDACTED:BEARER]");
        result = AssignmentPattern().Replace(result, m => $"{m.Groups[1].Value}{m.Groups[2].Value}[REDACTED:{Kind(m.Groups[1].Value)}]");
        result = OpenAiKeyPattern().Replace(result, "[REDACTED:API_KEY]");
        result = GitHubTokenPattern().Replace(result, "[REDACTED:GITHUB_TOKEN]");
        result = AwsKeyPattern().Replace(result, "[REDACTED:AWS_KEY]");
        result = LongTokenPattern().Replace(result, "[REDACTED:TOKEN]");
        return result.Length <= maxLength ? result : result[..maxLength];
    }

    /// <summary>
    /// One pass that rules out every pattern below for most text (answers, labels, ids), so the regular expressions
    /// only run on text that could hold a secret: a keyword of the assignment and bearer patterns, a key prefix, or a
    /// run of token characters long enough for a key or a token.
    /// </summary>
    private static bool MayHoldSecret(string text)
    {
        var run = 0;
        foreach (var c in text)
        {
            run = char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '+' or '/' ? run + 1 : 0;
            if (run >= 16)
            {
                return true;   // sk- keys, GitHub and AWS tokens, and any long token all have a run this long
            }
        }

        return text.Contains("key", StringComparison.OrdinalIgnoreCase) || text.Contains("token", StringComparison.OrdinalIgnoreCase) ||
               text.Contains("secret", StringComparison.OrdinalIgnoreCase) || text.Contains("password", StringComparison.OrdinalIgnoreCase) ||
               text.Contains("bearer", StringComparison.OrdinalIgnoreCase);
    }

    private static string Kind(string name)
    {
        var upper = name.ToUpperInvariant();
        return upper.Contains("SECRET", StringComparison.Ordinal) ? "SECRET"
            : upper.Contains("TOKEN", StringComparison.Ordinal) ? "TOKEN"
            : upper.Contains("PASSWORD", StringComparison.Ordinal) ? "PASSWORD"
            : "KEY";
    }

    [GeneratedRegex(@"(?i)(bearer\s+)[^\s""',;]+")]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"(?i)\b([A-Z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD))(\s*[=:]\s*)(?!\[REDACTED)[^\s""',;&]+")]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{16,}")]
    private static partial Regex OpenAiKeyPattern();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")]
    private static partial Regex GitHubTokenPattern();

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")]
    private static partial Regex AwsKeyPattern();

    // UUIDs (ids of tasks, messages, workspaces) are not secrets and stay readable.
    [GeneratedRegex(@"(?<![A-Za-z0-9_\-+/=])(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![A-Za-z0-9_\-+/]))[A-Za-z0-9_\-+/]{33,}={0,2}")]
    private static partial Regex LongTokenPattern();
}
