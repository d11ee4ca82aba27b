using System.ClientModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Molecule.Workspace.Agents;

/// <summary>
/// The OpenAI client's failures that the model endpoint caused (5xx, 429, no answer) become
/// <see cref="AgentDependencyException"/>s: the task fails with "The model endpoint failed (500): …" and the failure
/// counts toward the workspace's error rate.
/// </summary>
internal sealed class ModelEndpointErrors(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException ex) when (ex.Status is 0 or >= 500 or 429)
        {
            throw Failed(ex);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (ClientResultException ex) when (ex.Status is 0 or >= 500 or 429)
            {
                throw Failed(ex);
            }

            yield return updates.Current;
        }
    }

    private static AgentDependencyException Failed(ClientResultException ex) => new($"The model endpoint failed ({ex.Status}): {ex.Message}", ex);
}
