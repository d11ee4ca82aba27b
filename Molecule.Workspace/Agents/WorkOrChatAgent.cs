using System.Runtime.CompilerServices;

namespace Molecule.Workspace.Agents;

/// <summary>The built-in <c>chat</c> agent: "work 20s" runs the long-running skill; everything else goes to the model.</summary>
internal sealed class WorkOrChatAgent(IAgent chat, TimeProvider time) : IAgent
{
    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = WorkSkill.Parse(request.Message.Text.Trim()) is { } duration
            ? WorkSkill.RunAsync(duration, time, cancellationToken)
            : chat.RunAsync(request, cancellationToken);
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }
}
