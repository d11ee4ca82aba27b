using System.Runtime.CompilerServices;

namespace Molecule.Workspace.Agents;

/// <summary>
/// The default agent: deterministic and offline. It echoes the message back (streamed word by word), and understands
/// a few commands that make the A2A surface demonstrable and testable:
/// <list type="bullet">
/// <item><c>work 20s</c> (or <c>slow</c>, 5 s): streams progress once a second for that long, observing cancellation.</item>
/// <item><c>ask …</c>: asks for more input (input-required); the next message on the task completes it.</item>
/// <item><c>fail …</c>: fails the task, as an agent error would (counts toward error_rate).</item>
/// </list>
/// </summary>
internal sealed class EchoAgent(TimeProvider time) : IAgent
{
    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = request.Message.Text.Trim();
        if (WorkSkill.Parse(text) is { } duration)
        {
            await foreach (var update in WorkSkill.RunAsync(duration, time, cancellationToken).ConfigureAwait(false))
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
}
