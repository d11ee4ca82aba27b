using Yarp.ReverseProxy.Forwarder;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>Sends the request to the stored URL verbatim with only the A2A headers; maps agent errors.</summary>
internal sealed class A2ATransformer(Uri destination, bool bufferResponses) : HttpTransformer
{
    private const int BufferedResponseCap = 10 * 1024 * 1024;

    /// <summary>The only caller headers that reach the agent.</summary>
    private static readonly string[] ForwardedHeaders =
    [
        "Accept", "A2A-Version", "A2A-Extensions", "X-A2A-Extensions", "traceparent", "tracestate", "Last-Event-ID", "User-Agent",
    ];

    public string? AgentError { get; private set; }

    public int AgentStatus { get; private set; }

    /// <summary>
    /// Builds the agent's request from the allow-list alone: the stored URL as it is, <c>POST</c>, the A2A headers and
    /// the body's JSON content headers (the proxy set them), nothing of the caller's credentials or hop headers.
    /// </summary>
    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        proxyRequest.RequestUri = destination;
        proxyRequest.Method = HttpMethod.Post;
        var incoming = httpContext.Request.Headers;
        foreach (var name in ForwardedHeaders)
        {
            if (incoming.TryGetValue(name, out var values) && values.Count > 0)
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (proxyRequest.Content is { } content)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", httpContext.Request.ContentType);
            content.Headers.ContentLength = httpContext.Request.ContentLength;
        }

        return ValueTask.CompletedTask;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (bufferResponses && proxyResponse is not null && (int)proxyResponse.StatusCode < 300)
        {
            // §3 row 7 (quirk): read whole, re-sent as JSON; a stream arrives in one piece at the end, mislabelled.
            var whole = await CappedContent.ReadAsync(proxyResponse.Content, BufferedResponseCap, cancellationToken);
            httpContext.Response.StatusCode = whole is null ? StatusCodes.Status502BadGateway : (int)proxyResponse.StatusCode;
            httpContext.Response.ContentType = "application/json";
            await httpContext.Response.Body.WriteAsync(
                whole ?? """{"error":"failed to read agent response","delivery_confirmed":true}"""u8.ToArray(), cancellationToken);
            return false;
        }

        if (proxyResponse is null || (int)proxyResponse.StatusCode < 300)
        {
            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                httpContext.Response.Headers["X-Accel-Buffering"] = "no";
                httpContext.Response.Headers.CacheControl = "no-cache";
            }

            return true;
        }

        AgentStatus = (int)proxyResponse.StatusCode;
        byte[] bytes;
        try
        {
            bytes = await proxyResponse.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            bytes = [];
        }

        AgentError = AgentErrors.Text(AgentStatus, bytes);
        if (proxyResponse.Headers.RetryAfter is { } retryAfter)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        return false;
    }
}
