using System.Text;
using Molecule.Platform.Client;

namespace Molecule.Workspace.Tasks;

/// <summary>Running one turn of a task: the agent's updates become the task's events, and its end the task's state.</summary>
internal sealed partial class TaskManager
{
    private async Task RunTurnAsync(TaskEntry entry, AgentRequest request, CancellationToken cancellation)
    {
        using var deadline = new CancellationTokenSource(_options.ExecutionTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, deadline.Token);
        var artifactId = Guid.NewGuid().ToString();
        var answer = new StringBuilder();
        var attachments = new List<Part>();
        string? pending = null;
        var chunks = 0;
        using var turn = AgentTurn.Enter(request);
        var started = _time.GetTimestamp();
        Infrastructure.WorkspaceTelemetry.TurnStarted();
        try
        {
            Transition(entry, TaskState.Working, null);
            await foreach (var update in _agent.RunAsync(request, linked.Token).WithCancellation(linked.Token).ConfigureAwait(false))
            {
                switch (update)
                {
                    case AgentText text when text.Text.Length > 0:
                        if (pending is not null)
                        {
                            PublishChunk(entry, artifactId, pending, append: chunks++ > 0, last: false, answer.ToString());
                        }

                        answer.Append(text.Text);
                        pending = text.Text;
                        break;
                    case AgentArtifact artifact when artifact.Parts.Count > 0:
                        PublishArtifact(entry, new Artifact(Guid.NewGuid().ToString(), artifact.Name, [.. artifact.Parts]));
                        attachments.AddRange(artifact.Parts);
                        break;
                    case AgentProgress progress:
                        Transition(entry, TaskState.Working, AgentSays(entry, progress.Text), addToHistory: false);
                        break;
                    case AgentNeedsInput needsInput:
                        if (pending is not null)
                        {
                            PublishChunk(entry, artifactId, pending, append: chunks++ > 0, last: true, answer.ToString());
                        }

                        Transition(entry, TaskState.InputRequired, AgentSays(entry, needsInput.Prompt));
                        return;
                }
            }

            if (pending is not null)
            {
                PublishChunk(entry, artifactId, pending, append: chunks > 0, last: true, answer.ToString());
            }

            Transition(entry, TaskState.Completed, AgentAnswers(entry, answer.ToString(), attachments));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            Fail(entry, $"The agent did not finish within {_options.ExecutionTimeout}.", countsAsError: true);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            string reason;
            lock (entry.Gate)
            {
                reason = entry.CancelReason ?? "shutdown";
            }

            Transition(entry, TaskState.Canceled, AgentSays(entry, reason));
        }
        catch (Exception ex)
        {
            LogAgentFailed(_logger, entry.Id, ex);
            Fail(entry, ex is AgentDependencyException ? ex.Message : $"The agent failed: {ex.Message}", countsAsError: true);
        }
        finally
        {
            string final;
            lock (entry.Gate)
            {
                final = entry.Status.State switch
                {
                    TaskState.InputRequired => "input-required",
                    TaskState.AuthRequired => "auth-required",
                    var state => state.ToString().ToLowerInvariant(),
                };
            }

            Infrastructure.WorkspaceTelemetry.TurnEnded(final, _time.GetElapsedTime(started));

            // The turn's token source is linked to the store's shutdown token: disposing it unregisters it there, so
            // finished tasks leave nothing behind (a next turn of the same task has its own source by then).
            lock (entry.Gate)
            {
                if (entry.RunCancellation is { } source && source.Token == cancellation)
                {
                    entry.RunCancellation = null;
                    source.Dispose();
                }
            }
        }
    }

    private void Fail(TaskEntry entry, string message, bool countsAsError)
    {
        var scrubbed = SecretScrubber.Scrub(message, 1000);
        lock (entry.Gate)
        {
            entry.FailureCounted = countsAsError;
        }

        Transition(entry, TaskState.Failed, AgentSays(entry, scrubbed));
    }

    private void PublishChunk(TaskEntry entry, string artifactId, string chunk, bool append, bool last, string whole)
    {
        lock (entry.Gate)
        {
            if (entry.Status.State.IsTerminal())
            {
                return;   // late output of a canceled task is dropped
            }

            var artifact = new Artifact(artifactId, "response", [new TextPart(whole)]);
            var index = entry.Artifacts.FindIndex(a => a.ArtifactId == artifactId);
            if (index >= 0)
            {
                entry.Artifacts[index] = artifact;
            }
            else
            {
                entry.Artifacts.Add(artifact);
            }

            entry.LastUpdated = _time.GetUtcNow();
            PublishLocked(entry, new ArtifactUpdateEvent(entry.Id, entry.ContextId,
                new Artifact(artifactId, "response", [new TextPart(chunk)]), append, last));
        }
    }

    private void PublishArtifact(TaskEntry entry, Artifact artifact)
    {
        lock (entry.Gate)
        {
            if (entry.Status.State.IsTerminal())
            {
                return;
            }

            entry.Artifacts.Add(artifact);
            entry.LastUpdated = _time.GetUtcNow();
            PublishLocked(entry, new ArtifactUpdateEvent(entry.Id, entry.ContextId, artifact, Append: false, LastChunk: true));
        }
    }

    /// <summary>The completed turn's status message: the whole text answer followed by the files and data the agent sent.</summary>
    private static AgentMessage AgentAnswers(TaskEntry entry, string text, List<Part> attachments)
    {
        if (attachments.Count == 0)
        {
            return AgentSays(entry, text);
        }

        var parts = new List<Part>(attachments.Count + 1);
        if (text.Length > 0)
        {
            parts.Add(new TextPart(text));
        }

        parts.AddRange(attachments);
        return new AgentMessage(Guid.NewGuid().ToString(), MessageRole.Agent, parts, entry.ContextId, entry.Id);
    }

    /// <summary>Moves the task to <paramref name="state"/> unless it is already terminal (late transitions are dropped).</summary>
    private bool Transition(TaskEntry entry, TaskState state, AgentMessage? message, bool addToHistory = true)
    {
        bool detached, failedCounted;
        PersistedTask? frozen = null;
        TaskCompletionSource? turnEnded = null;
        long sequence;
        lock (entry.Gate)
        {
            if (entry.Status.State.IsTerminal())
            {
                return false;
            }

            var now = _time.GetUtcNow();
            entry.Status = new AgentTaskStatus(state, message, now);
            entry.LastUpdated = now;
            if (message is not null && addToHistory)
            {
                AddHistory(entry, message);
            }

            PublishLocked(entry, new StatusUpdateEvent(entry.Id, entry.ContextId, entry.Status));
            if (state.IsTerminal() || state.IsInterrupted())
            {
                // The turn's end is what callers are told: it is written before they hear it.
                var keep = state.IsTerminal() && !entry.Streamed;
                var persisted = PersistLocked(entry, keep);
                frozen = keep ? persisted : null;
                turnEnded = entry.TurnEnded;
            }

            if (state.IsTerminal())
            {
                foreach (var subscriber in entry.Subscribers)
                {
                    subscriber.Writer.TryComplete();
                }

                entry.Subscribers.Clear();
                if (!entry.Streamed)
                {
                    // Nobody streamed this task, so nobody can resume a stream with Last-Event-ID: its event log is
                    // dead weight in the store (a later subscribe gets the final snapshot).
                    entry.Log.Clear();
                }

                _ended.Enqueue((entry.Id, now));
            }

            detached = entry.Detached && (state.IsTerminal() || state.IsInterrupted());
            failedCounted = entry.FailureCounted;
            sequence = entry.LastSequence;
        }

        if (frozen is not null)
        {
            // A finished task nobody streams: whoever holds the live entry (the waiting send) keeps reading it, and
            // the store keeps the compact form from now on.
            _tasks.TryUpdate(entry.Id, FrozenTask.Encode(frozen, sequence), entry);
        }

        // Told after the store holds its final form, so a caller that waited on the turn reads what is kept.
        turnEnded?.TrySetResult();

        if (!state.IsActive())
        {
            _active.Ended(entry.Id);
        }

        if (detached)
        {
            _sink.UnitCompleted(state == TaskState.Failed && failedCounted ? message?.Text ?? "task failed" : null);
        }

        return true;
    }
}
