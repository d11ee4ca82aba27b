using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Molecule.Workspace.Agents;

/// <summary>
/// Hosts a Microsoft Agent Framework <see cref="AIAgent"/> as the workspace's brain: each A2A context has its own
/// <see cref="AgentSession"/> (so a conversation continues across tasks of one context and never crosses contexts),
/// streamed text becomes answer chunks, images and files become artifacts, and cancellation flows into the run.
/// Turns of one context run one at a time; the least recently used sessions are dropped past the limit.
/// </summary>
internal sealed class AIAgentAdapter(AIAgent agent, int maxContexts, TimeProvider time, Platform.Client.MoleculePlatform? platform = null) : IAgent
{
    private readonly ConcurrentDictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var conversation = _conversations.GetOrAdd(request.ContextId, _ => new Conversation());
        await conversation.Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            conversation.LastUsed = time.GetUtcNow();
            conversation.Session ??= await agent.CreateSessionAsync(cancellationToken).ConfigureAwait(false);
            Trim();

            var message = ChatMessages.From(request.Message);
            await using var updates = agent.RunStreamingAsync(message, conversation.Session, cancellationToken: cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (await MoveNextAsync(updates, cancellationToken).ConfigureAwait(false))
            {
                foreach (var update in ChatMessages.ToUpdates(updates.Current.Contents, platform))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            conversation.Turn.Release();
        }
    }

    /// <summary>Advances the run, reporting the model endpoint's transport failures as dependency failures.</summary>
    private static async ValueTask<bool> MoveNextAsync(IAsyncEnumerator<AgentResponseUpdate> updates, CancellationToken cancellationToken)
    {
        try
        {
            return await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new AgentDependencyException($"The model endpoint is unreachable: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentDependencyException("The model endpoint timed out", ex);
        }
    }

    private void Trim()
    {
        if (_conversations.Count <= maxContexts)
        {
            return;
        }

        foreach (var (key, _) in _conversations.OrderBy(c => c.Value.LastUsed).Take(_conversations.Count - maxContexts))
        {
            _conversations.TryRemove(key, out _);
        }
    }

    private sealed class Conversation
    {
        public SemaphoreSlim Turn { get; } = new(1, 1);

        public AgentSession? Session { get; set; }

        public DateTimeOffset LastUsed { get; set; }
    }
}

/// <summary>Converts between the workspace's messages and Microsoft.Extensions.AI's.</summary>
internal static class ChatMessages
{
    /// <summary>The caller's message for a model: text as text, files as data or links, data parts as JSON text.</summary>
    public static ChatMessage From(AgentMessage message)
    {
        var contents = new List<AIContent>(message.Parts.Count);
        foreach (var part in message.Parts)
        {
            contents.Add(part switch
            {
                TextPart text => new TextContent(text.Text),
                FilePart { Bytes: { } bytes } file when IsText(file.MediaType) =>
                    new TextContent($"[{file.Name ?? "attached file"} ({file.MediaType})]\n{System.Text.Encoding.UTF8.GetString(bytes.Span)}"),
                FilePart { Bytes: { } bytes } file => new DataContent(bytes, file.MediaType ?? "application/octet-stream") { Name = file.Name },
                FilePart file => new UriContent(file.Uri!, file.MediaType ?? "application/octet-stream"),
                DataPart data => new TextContent(DataText(data)),
                _ => new TextContent(""),
            });
        }

        return new ChatMessage(message.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, contents);
    }

    /// <summary>A model's streamed contents as workspace updates: text chunks, and files or links as artifacts.</summary>
    public static IEnumerable<AgentUpdate> ToUpdates(IEnumerable<AIContent> contents, Platform.Client.MoleculePlatform? platform = null)
    {
        foreach (var content in contents)
        {
            switch (content)
            {
                case TextContent { Text.Length: > 0 } text:
                    yield return new AgentText(text.Text);
                    break;
                case DataContent data:
                    yield return new AgentArtifact([FilePart.FromBytes(data.Data, data.MediaType, data.Name)], data.Name);
                    break;
                case UriContent link:
                    yield return new AgentArtifact([FilePart.FromUri(link.Uri, link.MediaType)]);
                    break;
                case FunctionCallContent call:
                    yield return new AgentProgress(PlatformTools.Describe(call.Name, call.Arguments, platform));
                    break;
            }
        }
    }

    /// <summary>Text files travel as text: model endpoints take images, audio and PDFs as data, and drop other data types.</summary>
    private static bool IsText(string? mediaType) =>
        mediaType is not null && (mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ||
            mediaType is "application/json" or "application/xml" or "application/yaml" or "application/x-yaml" or "application/csv");

    private static string DataText(DataPart data)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            A2A.JsonValues.Write(writer, data.Data);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
