using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Mcp;

/// <summary>
/// The MCP bridge's own limiter (supplement §8): a fixed window of 120 requests a minute per bearer, keyed on the
/// bearer's SHA-256 (the token itself is never kept), with its own <c>X-RateLimit-*</c> headers. The bearer is read as
/// the platform reads it here: the first <c>Authorization</c> line, <c>bearer</c> in any case, not trimmed.
/// </summary>
public sealed class McpRateLimiter(TimeProvider time)
{
    public const int Limit = 120;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Counter> _windows = new(StringComparer.Ordinal);
    private long _checks;

    /// <summary>The filter: 401 without a bearer (even in dev mode), 429 past the window's limit.</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = Contract.Header(http.Request, "Authorization");
        if (header.Length < 7 || !header.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase) || header.Length == 7)
        {
            return ContractError.Unauthorized("missing bearer token");
        }

        var limiter = http.RequestServices.GetRequiredService<McpRateLimiter>();
        var (allowed, remaining, reset) = limiter.Take(header[7..]);
        http.Response.Headers["X-RateLimit-Limit"] = Limit.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
        if (!allowed)
        {
            http.Response.Headers.RetryAfter = reset.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Json(new McpRateLimited("MCP rate limit exceeded", reset), statusCode: StatusCodes.Status429TooManyRequests);
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>Counts one request for <paramref name="bearer"/>: allowed, what is left, seconds to the window's end.</summary>
    public (bool Allowed, int Remaining, long ResetSeconds) Take(string bearer)
    {
        var now = time.GetUtcNow();
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bearer)));
        if (Interlocked.Increment(ref _checks) % 1024 == 0)
        {
            foreach (var (stale, counter) in _windows)
            {
                if (now - counter.Start >= Window)
                {
                    _windows.TryRemove(stale, out _);
                }
            }
        }

        var window = _windows.AddOrUpdate(key, _ => new Counter(now, 1),
            (_, counter) => now - counter.Start >= Window ? new Counter(now, 1) : counter with { Count = counter.Count + 1 });
        var reset = (long)Math.Ceiling((window.Start + Window - now).TotalSeconds);
        return (window.Count <= Limit, Math.Max(0, Limit - window.Count), Math.Max(reset, 1));
    }

    private sealed record Counter(DateTimeOffset Start, int Count);
}

public sealed record McpRateLimited(string Error, long RetryAfter);
