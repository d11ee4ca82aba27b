using System.Globalization;
using System.Runtime.CompilerServices;

namespace Molecule.Workspace.AspNetCore.Tests.Infrastructure;

/// <summary>A test agent: "work 200ms" / "work 1m" waits that long on the given clock, anything else is echoed.</summary>
internal sealed class WorkAgent(TimeProvider time) : IAgent
{
    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = request.Message.Text;
        if (text.StartsWith("work ", StringComparison.Ordinal))
        {
            var amount = text[5..];
            var duration = amount.EndsWith("ms", StringComparison.Ordinal)
                ? TimeSpan.FromMilliseconds(int.Parse(amount[..^2], CultureInfo.InvariantCulture))
                : TimeSpan.FromMinutes(int.Parse(amount[..^1], CultureInfo.InvariantCulture));
            await Task.Delay(duration, time, cancellationToken);
            yield return new AgentText("done");
            yield break;
        }

        yield return new AgentText("Echo: " + text);
    }
}
