using System.ClientModel;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Molecule.Workspace.Agent.Agents;

/// <summary>
/// An LLM behind any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LiteLLM) through
/// <see cref="IChatClient"/>, with the conversation kept per A2A context. Answers stream as they are generated;
/// cancellation flows into the model call. "work 20s" still runs the long-running skill.
/// </summary>
public sealed class ChatAgent(IChatClient chat, IOptions<AgentOptions> options, TimeProvider time) : IAgent
{
    private readonly ChatOptions _options = options.Value.Chat;
    private readonly ConcurrentDictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var text = request.Message.Text.Trim();
        if (EchoAgent.ParseWork(text) is { } duration)
        {
            await foreach (var update in EchoAgent.WorkAsync(duration, time, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var conversation = _conversations.GetOrAdd(request.ContextId, _ => new Conversation());
        conversation.LastUsed = time.GetUtcNow();
        Trim();

        List<ChatMessage> messages;
        lock (conversation)
        {
            conversation.Messages.Add(new ChatMessage(ChatRole.User, text));
            messages = [.. conversation.Messages];
        }

        if (!string.IsNullOrWhiteSpace(_options.SystemPrompt))
        {
            messages.Insert(0, new ChatMessage(ChatRole.System, _options.SystemPrompt));
        }

        var answer = new System.Text.StringBuilder();
        await using var updates = Stream(messages, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await updates.MoveNextAsync().ConfigureAwait(false))
        {
            answer.Append(updates.Current);
            yield return new AgentText(updates.Current);
        }

        lock (conversation)
        {
            conversation.Messages.Add(new ChatMessage(ChatRole.Assistant, answer.ToString()));
            if (conversation.Messages.Count > _options.HistoryMessages)
            {
                conversation.Messages.RemoveRange(0, conversation.Messages.Count - _options.HistoryMessages);
            }
        }
    }

    private async IAsyncEnumerable<string> Stream(List<ChatMessage> messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = chat.GetStreamingResponseAsync(messages, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await stream.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    update = stream.Current;
                }
                catch (HttpRequestException ex)
                {
                    throw new AgentDependencyException($"The model endpoint is unreachable: {ex.Message}", ex);
                }
                catch (ClientResultException ex) when (ex.Status is 0 or >= 500 or 429)
                {
                    throw new AgentDependencyException($"The model endpoint failed ({ex.Status}): {ex.Message}", ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new AgentDependencyException("The model endpoint timed out", ex);
                }

                if (!string.IsNullOrEmpty(update.Text))
                {
                    yield return update.Text;
                }
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Trim()
    {
        if (_conversations.Count <= _options.MaxContexts)
        {
            return;
        }

        foreach (var (key, _) in _conversations.OrderBy(c => c.Value.LastUsed).Take(_conversations.Count - _options.MaxContexts))
        {
            _conversations.TryRemove(key, out _);
        }
    }

    private sealed class Conversation
    {
        public List<ChatMessage> Messages { get; } = [];

        public DateTimeOffset LastUsed { get; set; }
    }
}
