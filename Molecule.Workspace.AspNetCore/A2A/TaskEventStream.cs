using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Molecule.Shared;
using Molecule.Workspace.Infrastructure;
using Molecule.Workspace.Tasks;

namespace Molecule.Workspace.A2A;

/// <summary>
/// Writes one task's events as Server-Sent Events: <c>id:</c> is the event's sequence (for <c>Last-Event-ID</c>),
/// <c>data:</c> a JSON-RPC response whose result is the event. Comment lines keep idle streams open, timed by the
/// <see cref="TimeProvider"/>.
/// </summary>
internal sealed class TaskEventStream(TimeProvider time, TimeSpan keepAliveInterval)
{
    /// <summary>Writes SSE until the stream ends; returns false when the client left before the end.</summary>
    /// <param name="context">The exchange.</param>
    /// <param name="version">The version to write in.</param>
    /// <param name="id">The JSON-RPC id.</param>
    /// <param name="subscription">The task's events.</param>
    /// <param name="endOnInterrupt">End at input-required too (a send's stream), not only at a terminal state.</param>
    /// <param name="stored">Completes when the task's latest reportable state is stored: awaited before the first event and before the last.</param>
    public async Task<bool> WriteAsync(HttpContext context, A2AVersion version, string? id, TaskSubscription subscription, bool endOnInterrupt, Func<Task> stored)
    {
        var response = context.Response;
        await StartAsync(context).ConfigureAwait(false);

        var aborted = context.RequestAborted;
        await stored().ConfigureAwait(false);
        foreach (var initial in subscription.Initial)
        {
            await WriteEventAsync(response, version, id, initial, endOnInterrupt, aborted).ConfigureAwait(false);
            if (Ends(initial, endOnInterrupt))
            {
                return true;
            }
        }

        var reader = subscription.Reader;
        while (true)
        {
            bool more;
            try
            {
                more = await ServerSentEvents.WaitToReadAsync(reader, response, time, keepAliveInterval, aborted).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return true;   // fell behind: the stream closes; the client resubscribes with Last-Event-ID
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            if (!more)
            {
                return true;
            }

            while (reader.TryRead(out var next))
            {
                if (Ends(next, endOnInterrupt))
                {
                    await stored().ConfigureAwait(false);
                }

                await WriteEventAsync(response, version, id, next, endOnInterrupt, aborted).ConfigureAwait(false);
                if (Ends(next, endOnInterrupt))
                {
                    return true;
                }
            }
        }
    }

    /// <summary>An error that arises before the first event, as a stream of one JSON-RPC error event: what streaming clients read.</summary>
    public static async Task WriteErrorAsync(HttpContext context, string? id, int code, string message, A2AVersion version)
    {
        await StartAsync(context).ConfigureAwait(false);
        using var buffer = new PooledBufferWriter(512);
        buffer.Write("data: "u8);
        JsonRpcWriter.WriteEnvelope(buffer, id, writer => WireWriter.WriteError(writer, code, message, version));
        buffer.Write("\n\n"u8);
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static Task StartAsync(HttpContext context) => ServerSentEvents.StartAsync(context);

    private static bool Ends(TaskEvent taskEvent, bool endOnInterrupt) => taskEvent switch
    {
        StatusUpdateEvent status => status.Status.State.IsTerminal() || (endOnInterrupt && status.Status.State.IsInterrupted()),
        TaskSnapshotEvent snapshot => snapshot.Task.Status.State.IsTerminal(),
        _ => false,
    };

    private static async Task WriteEventAsync(HttpResponse response, A2AVersion version, string? id, TaskEvent taskEvent, bool endOnInterrupt, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter();
        buffer.Write("id: "u8);
        taskEvent.Sequence.TryFormat(buffer.GetSpan(20), out var digits, default, CultureInfo.InvariantCulture);
        buffer.Advance(digits);
        buffer.Write("\ndata: "u8);
        JsonRpcWriter.WriteEnvelope(buffer, id, writer =>
        {
            writer.WritePropertyName("result");
            WireWriter.WriteEvent(writer, taskEvent, version, endOnInterrupt);
        });
        buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
