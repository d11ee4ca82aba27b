using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Molecule.Workspace.Agents;

/// <summary>
/// The long-running demo skill of the built-in agents: <c>work 20s</c> streams progress once a second for that long,
/// observing cancellation (<c>slow</c>: 5 s).
/// </summary>
internal static partial class WorkSkill
{
    public static readonly TimeSpan SlowDuration = TimeSpan.FromSeconds(5);

    /// <summary>The long-running skill: progress every second for <paramref name="duration"/>.</summary>
    public static async IAsyncEnumerable<AgentUpdate> RunAsync(TimeSpan duration, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var total = (int)Math.Ceiling(duration.TotalSeconds);
        var step = duration / Math.Max(1, total);
        for (var second = 1; second <= Math.Max(1, total); second++)
        {
            await Task.Delay(step, time, cancellationToken).ConfigureAwait(false);
            yield return new AgentProgress(string.Create(CultureInfo.InvariantCulture, $"working: {second}/{total} s"));
        }

        yield return new AgentText(string.Create(CultureInfo.InvariantCulture, $"Done after {duration.TotalSeconds:0.###} s of work."));
    }

    /// <summary>"work 20s", "work 500ms", "work 2m", "work" (10 s) or "slow" (5 s); null for anything else.</summary>
    public static TimeSpan? Parse(string text)
    {
        if (text.StartsWith("slow", StringComparison.OrdinalIgnoreCase))
        {
            return SlowDuration;
        }

        var match = WorkPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        if (!match.Groups["n"].Success)
        {
            return TimeSpan.FromSeconds(10);
        }

        var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var value = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "m" or "min" => TimeSpan.FromMinutes(n),
            _ => TimeSpan.FromSeconds(n),
        };
        return value > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : value;
    }

    [GeneratedRegex(@"^work(?:\s+(?<n>\d+(?:\.\d+)?)\s*(?<unit>ms|s|m|min)?)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex WorkPattern();
}
