using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>Contract-shaped JSON answers (compact, snake_case, nulls emitted) and request-reading helpers.</summary>
public static class Contract
{
    private static readonly byte[] OkBody = """{"status":"ok"}"""u8.ToArray();

    /// <summary>
    /// How the platform writes JSON: non-ASCII text as UTF-8 ("workspace agent busy — …"), only HTML-sensitive
    /// characters escaped, as Go's encoder does.
    /// </summary>
    public static readonly JsonSerializerOptions WireOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    public static IResult Json(int status, JsonNode? body, IDictionary<string, string>? headers = null) =>
        new JsonBytesResult(status, Encoding.UTF8.GetBytes(body?.ToJsonString(WireOptions) ?? "null"), headers);

    public static IResult Error(int status, string error) => Json(status, new JsonObject { ["error"] = error });

    public static IResult Ok(JsonNode body) => Json(200, body);

    public static IResult StatusOk() => new JsonBytesResult(200, OkBody, null);

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
    /// Reads the body as a JSON document. Check <see cref="JsonRequest.TooLarge"/> first (⇒ 413), then
    /// <see cref="JsonRequest.Object"/> (null when the body is not a JSON object ⇒ the endpoint's own 400 text).
    /// </summary>
    public static async Task<JsonRequest> ReadJsonAsync(HttpContext context, int cap)
    {
        var raw = await ReadBodyAsync(context, cap).ConfigureAwait(false);
        if (raw is null)
        {
            return new JsonRequest(null, tooLarge: true);
        }

        if (JsonStrings.FindUnreadable(raw) is not null)
        {
            // Valid JSON grammar, but text no reader can decode (invalid UTF-8, an unpaired surrogate escape): to the
            // endpoint this is a body it cannot use, answered with its own 400 text as Go's decoder refuses it.
            return new JsonRequest(null, tooLarge: false);
        }

        try
        {
            return new JsonRequest(JsonDocument.Parse(raw), tooLarge: false);
        }
        catch (JsonException)
        {
            return new JsonRequest(null, tooLarge: false);
        }
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

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
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

        return buffer.ToArray();
    }

    public static IResult TooLarge() => Error(StatusCodes.Status413PayloadTooLarge, "request body too large");

    // JSON field readers that enforce the contract's typing (integers are integer literals only).
    public static bool TryString(JsonElement obj, string name, out string? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }

    public static bool TryInt(JsonElement obj, string name, out long? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        var raw = element.GetRawText();
        if (raw.AsSpan().IndexOfAny(".eE") >= 0 || !element.TryGetInt64(out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    public static bool TryNumber(JsonElement obj, string name, out double? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || double.IsNaN(number) || double.IsInfinity(number))
        {
            return false;
        }

        value = number;
        return true;
    }

    public static bool TryBool(JsonElement obj, string name, out bool? value)
    {
        value = null;
        if (!obj.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    public static void DisableBuffering(HttpContext context) => context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

    private sealed class JsonBytesResult(int status, byte[] body, IDictionary<string, string>? headers) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (headers is not null)
            {
                foreach (var (key, value) in headers)
                {
                    httpContext.Response.Headers[key] = value;
                }
            }

            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}

/// <summary>A request body read as JSON; dispose it to return the document's buffers.</summary>
public sealed class JsonRequest(JsonDocument? document, bool tooLarge) : IDisposable
{
    /// <summary>Over the body cap: answer 413.</summary>
    public bool TooLarge { get; } = tooLarge;

    /// <summary>The root object, or null when the body is not JSON or not an object.</summary>
    public JsonElement? Object => document?.RootElement is { ValueKind: JsonValueKind.Object } root ? root : null;

    /// <summary>
    /// The answer for a body an endpoint cannot use at all: 413 over the cap, else 400 with the endpoint's own text
    /// (<paramref name="invalidBody"/>) when it is not a JSON object; null when <see cref="Object"/> is there to read.
    /// </summary>
    public IResult? Rejection(string invalidBody) =>
        TooLarge ? Contract.TooLarge() : Object is null ? Contract.Error(400, invalidBody) : null;

    public void Dispose() => document?.Dispose();
}
