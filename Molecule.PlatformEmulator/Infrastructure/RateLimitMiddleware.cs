using System.Collections.Concurrent;
using System.Globalization;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>
/// Per-client-IP token bucket of <c>RATE_LIMIT</c> requests per minute. Every response carries
/// <c>X-RateLimit-Limit</c>, <c>-Remaining</c> and <c>-Reset</c>; over the limit ⇒ 429
/// <c>{"error":"rate limit exceeded","retry_after":s}</c> with <c>Retry-After</c>. Off in dev mode and with 0.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, EmulatorOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _requests;

    /// <summary>Unlimited (0, dev mode): the header, then the request goes on without an async step of this middleware's own.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        if (options.RateLimit == 0 || options.IsDevMode)
        {
            context.Response.Headers["X-RateLimit-Limit"] = "unlimited";
            return next(context);
        }

        return LimitAsync(context);
    }

    private async Task LimitAsync(HttpContext context)
    {
        var limit = options.RateLimit;
        var now = time.GetUtcNow();
        var key = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (Interlocked.Increment(ref _requests) % 4096 == 0)
        {
            EvictIdle(now, limit);
        }

        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(limit, now));
        double remaining;
        bool allowed;
        lock (bucket)
        {
            var refill = (now - bucket.Updated).TotalMinutes * limit;
            bucket.Tokens = Math.Min(limit, bucket.Tokens + refill);
            bucket.Updated = now;
            allowed = bucket.Tokens >= 1;
            if (allowed)
            {
                bucket.Tokens -= 1;
            }

            remaining = bucket.Tokens;
        }

        var perToken = 60.0 / limit;
        var resetSeconds = (long)Math.Ceiling((limit - remaining) * perToken);
        context.Response.Headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-RateLimit-Remaining"] = ((long)Math.Floor(remaining)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-RateLimit-Reset"] = (now.ToUnixTimeSeconds() + resetSeconds).ToString(CultureInfo.InvariantCulture);
        if (!allowed)
        {
            var retryAfter = (long)Math.Max(1, Math.Ceiling((1 - remaining) * perToken));
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await TypedResults.Json(new RateLimitedAnswer("rate limit exceeded", retryAfter), statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>
    /// Drops buckets that have refilled completely: they hold nothing a new bucket would not,
    /// so many distinct clients cannot grow the table without bound.
    /// </summary>
    private void EvictIdle(DateTimeOffset now, int limit)
    {
        foreach (var (key, bucket) in _buckets)
        {
            bool idle;
            lock (bucket)
            {
                idle = bucket.Tokens + ((now - bucket.Updated).TotalMinutes * limit) >= limit;
            }

            if (idle)
            {
                _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
            }
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset updated)
    {
        public double Tokens { get; set; } = tokens;

        public DateTimeOffset Updated { get; set; } = updated;
    }
}

/// <summary>429 from the rate limiter.</summary>
public sealed record RateLimitedAnswer(string Error, long RetryAfter);
