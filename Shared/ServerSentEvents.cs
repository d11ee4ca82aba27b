using System.Threading.Channels;

namespace Molecule.Shared;

/// <summary>
/// The one way a Molecule service writes Server-Sent Events: the stream's headers sent at once (so the client sees
/// it open before the first event), buffering off, and comment lines that keep an idle stream open, timed by the
/// <see cref="TimeProvider"/> so tests can drive them. Compiled into each service.
/// </summary>
internal static class ServerSentEvents
{
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Starts a <c>text/event-stream</c> answer and flushes its headers.</summary>
    public static async Task StartAsync(Microsoft.AspNetCore.Http.HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until <paramref name="reader"/> has an item (true) or completes (false), writing a keep-alive comment each
    /// <paramref name="keepAlive"/> of silence. Throws <see cref="OperationCanceledException"/> when the client leaves.
    /// </summary>
    public static async ValueTask<bool> WaitToReadAsync<T>(ChannelReader<T> reader, Microsoft.AspNetCore.Http.HttpResponse response, TimeProvider time, TimeSpan keepAlive,
        CancellationToken aborted)
    {
        while (true)
        {
            using var idle = new CancellationTokenSource(keepAlive, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted, idle.Token);
            try
            {
                return await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
            {
                await response.Body.WriteAsync(KeepAliveComment, aborted).ConfigureAwait(false);
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }
    }
}
