using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Molecule.Workspace.Runtime;

/// <summary>Gives every model call the workspace's assembled system prompt as its instructions.</summary>
internal sealed class PromptedChatClient(IChatClient inner, WorkspacePrompt prompt, string? basePrompt) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await base.GetResponseAsync(messages, await WithInstructionsAsync(options, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompted = await WithInstructionsAsync(options, cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, prompted, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async Task<ChatOptions> WithInstructionsAsync(ChatOptions? options, CancellationToken cancellationToken)
    {
        var prompted = options?.Clone() ?? new ChatOptions();
        var text = await prompt.GetAsync(basePrompt, cancellationToken).ConfigureAwait(false);
        prompted.Instructions = string.IsNullOrWhiteSpace(prompted.Instructions) ? text : $"{text}\n\n{prompted.Instructions}";
        return prompted;
    }
}
