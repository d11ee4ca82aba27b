using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Molecule.Workspace.A2A;

internal static class RequestBody
{
    /// <summary>Reads the body up to <paramref name="limit"/> bytes; null when it is larger.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength is { } length && length > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream(context.Request.ContentLength is { } known ? (int)known : 4096);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }
}
