using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Molecule.Workspace;

/// <summary>
/// Results of the delegations this workspace started, as the platform reports them: after each heartbeat the workspace
/// reads its delegations (as the Molecule runtime does) and delivers each new <c>completed</c> or <c>failed</c> result
/// once — here, to the user (a message in the canvas chat), and to the agent as a new turn in the conversation that
/// delegated. Await one result with <see cref="WaitForAsync"/> or read them all with <see cref="ReadAllAsync"/>.
/// </summary>
public sealed class DelegationResults
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DelegationResult>> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _contexts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Channel<DelegationResult>, byte> _readers = new();
    private readonly ConcurrentDictionary<string, DelegationResult> _delivered = new(StringComparer.Ordinal);

    internal DelegationResults()
    {
    }

    /// <summary>
    /// The result of <paramref name="delegationId"/> (from <c>DelegateAsync</c> or <c>delegate_task_async</c>), once the
    /// platform reports it; at once when it already has. Bound the wait with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <param name="delegationId">The delegation.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public Task<DelegationResult> WaitForAsync(string delegationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(delegationId);
        if (_delivered.TryGetValue(delegationId, out var done))
        {
            return Task.FromResult(done);
        }

        var waiter = _waiting.GetOrAdd(delegationId, _ => new TaskCompletionSource<DelegationResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_delivered.TryGetValue(delegationId, out done))
        {
            waiter.TrySetResult(done);   // delivered between the two looks
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Every result delivered from now on, in arrival order, until <paramref name="cancellationToken"/> ends the reading.</summary>
    /// <param name="cancellationToken">Ends the reading.</param>
    public async IAsyncEnumerable<DelegationResult> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<DelegationResult>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _readers[channel] = 0;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var result))
                {
                    yield return result;
                }
            }
        }
        finally
        {
            _readers.TryRemove(channel, out _);
        }
    }

    /// <summary>Remembers which conversation started <paramref name="delegationId"/>, so its result continues that conversation.</summary>
    internal void Track(string delegationId, string? contextId)
    {
        if (contextId is not null)
        {
            _contexts[delegationId] = contextId;
        }
    }

    internal string? ContextOf(string delegationId) => _contexts.TryGetValue(delegationId, out var context) ? context : null;

    internal void Deliver(DelegationResult result)
    {
        _delivered[result.DelegationId] = result;
        _contexts.TryRemove(result.DelegationId, out _);
        if (_waiting.TryRemove(result.DelegationId, out var waiter))
        {
            waiter.TrySetResult(result);
        }

        foreach (var reader in _readers.Keys)
        {
            reader.Writer.TryWrite(result);
        }

        if (_delivered.Count > 1000)
        {
            foreach (var old in _delivered.Values.OrderBy(r => r.DeliveredAt).Take(_delivered.Count - 1000))
            {
                _delivered.TryRemove(old.DelegationId, out _);
            }
        }
    }
}

/// <summary>A delegation's outcome.</summary>
/// <param name="DelegationId">The delegation.</param>
/// <param name="TargetId">The peer that worked on it.</param>
/// <param name="Succeeded">Whether it completed (false: it failed).</param>
/// <param name="Response">The peer's answer as the platform previews it (at most 300 characters), when it completed.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="ContextId">The conversation of this workspace that delegated, when known.</param>
/// <param name="DeliveredAt">When the workspace learnt of it.</param>
public sealed record DelegationResult(string DelegationId, string TargetId, bool Succeeded, string? Response, string? Error, string? ContextId, DateTimeOffset DeliveredAt);
