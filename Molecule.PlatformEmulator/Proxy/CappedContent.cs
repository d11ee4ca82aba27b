namespace Molecule.PlatformEmulator.Proxy;

/// <summary>An agent's answer read whole, up to a cap: what the proxy buffers (§3 row 7) and what the platform's own calls read.</summary>
internal static class CappedContent
{
    /// <summary>The answer's bytes; null when it is longer than <paramref name="cap"/>. <paramref name="progressed"/> hears of every chunk.</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int cap, CancellationToken cancellationToken, Action? progressed = null)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            progressed?.Invoke();
            if (buffer.Length + read > cap)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
