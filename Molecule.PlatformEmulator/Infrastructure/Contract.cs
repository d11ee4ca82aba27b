using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>Contract-shaped JSON answers (compact, snake_case, nulls emitted) and request-reading helpers.</summary>
public static class Contract
{
    /// <summary>
    /// How the platform writes JSON: non-ASCII text as UTF-8 ("workspace agent busy — …"), only HTML-sensitive
    /// characters escaped, as Go's encoder does.
    /// </summary>
    public static readonly JsonSerializerOptions WireOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
        MaxDepth = 128,
    };

    /// <summary>A workspace id as the contract writes it: a hyphenated 36-character UUID; null for anything else.</summary>
    public static Guid? ParseWorkspaceId(string? id) => id is { Length: 36 } && Guid.TryParse(id, out var guid) ? guid : null;

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static JsonNode? Timestamp(DateTimeOffset? time) => time is { } t ? JsonValue.Create(Timestamp(t)) : null;

    /// <summary>
    /// A request header as the platform reads it: Go's <c>Header.Get</c>, the <b>first</b> value of a header sent more
    /// than once (later lines are ignored, never joined); "" when absent.
    /// </summary>
    public static string Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] ?? "" : "";

    /// <summary>The bearer per the contract: the literal <c>Bearer </c> prefix, remainder trimmed; anything else is none.</summary>
    public static string? Bearer(HttpRequest request)
    {
        var header = Header(request, "Authorization");
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var token = header[7..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>
    /// The request body, at most <paramref name="cap"/> bytes: null when it is longer, or with <paramref name="truncate"/>
    /// its first <paramref name="cap"/> bytes, the rest read and dropped (§3 row 9's truncation).
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext context, int cap, bool truncate = false)
    {
        if (!truncate && context.Request.ContentLength > cap)
        {
            return null;
        }

        if (context.Request.ContentLength is { } declared && declared <= cap)
        {
            // The usual case: a declared length within the cap is read straight into an array of that size
            // (Kestrel ends the body at the declared length and fails a shorter one).
            var exact = declared == 0 ? [] : new byte[declared];
            try
            {
                var filled = await context.Request.Body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
                return filled == exact.Length ? exact : exact[..filled];
            }
            catch (BadHttpRequestException) when (truncate)
            {
                return [];
            }
        }

        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > cap && !truncate)
                {
                    return null;
                }

                buffer.Write(chunk, 0, (int)Math.Min(read, cap - buffer.Length));
            }
        }
        catch (BadHttpRequestException ex) when (truncate || ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Too large; or, truncating, whatever was kept is what the platform would have seen.
            return truncate ? buffer.ToArray() : null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    public static void DisableBuffering(HttpContext context) => context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
}
