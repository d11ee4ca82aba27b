using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Molecule.Workspace.Agent.Tasks;

namespace Molecule.Workspace.Agent.Agents;

/// <summary>
/// The default agent: deterministic and offline. It echoes the message back (streamed word by word), and understands
/// a few commands that make the A2A surface demonstrable and testable:
/// <list type="bullet">
/// <item><c>work 20s</c> (or <c>slow</c>, 5 s): streams progress once a second for that long, observing cancellation.</item>
/// <item><c>ask …</c>: asks for more input (input-required); the next message on the task completes it.</item>
/// <item><c>fail …</c>: fails the task, as an agent error would (counts toward error_rate).</item>
/// </list>
/// </summary>
public sealed partial class EchoAgent(TimeProvider time) : IAgent
{
    public static readonly TimeSpan SlowDuration = TimeSpan.FromSeconds(5);

    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = request.Message.Text.Trim();
        if (ParseWork(text) is { } duration)
        {
            await foreach (var update in WorkAsync(duration, time, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        if (text.StartsWith("fail", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(text.Length > 4 ? text[4..].Trim() : "failure requested");
        }

        if (text.StartsWith("ask", StringComparison.OrdinalIgnoreCase) && !request.History.Any(m => m.Role == MessageRole.Agent))
        {
            yield return new AgentNeedsInput("What should I echo?");
            yield break;
        }

        yield return new AgentText("Echo: ");
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new AgentText(i < words.Length - 1 ? words[i] + " " : words[i]);
        }
    }

    /// <summary>The long-running skill: progress every second for <paramref name="duration"/>.</summary>
    public static async IAsyncEnumerable<AgentUpdate> WorkAsync(TimeSpan duration, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
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
    public static TimeSpan? ParseWork(string text)
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
