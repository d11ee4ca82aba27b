using Microsoft.AspNetCore.Http;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace.A2A;

internal static class RequestBody
{
    /// <summary>
    /// Reads the body, up to <paramref name="limit"/> bytes, into a pooled buffer the caller disposes once the parse is
    /// done with it; null when the body is larger. A declared length is read into one rent of that size.
    /// </summary>
    public static async Task<PooledBufferWriter?> ReadAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            return null;
        }

        var body = new PooledBufferWriter(context.Request.ContentLength is { } known ? Math.Max(1, (int)known) : 4096);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(body.GetMemory(1), context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                body.Advance(read);
                if (body.WrittenCount > limit)
                {
                    body.Dispose();
                    return null;
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }

        return body;
    }
}
