using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Molecule.Platform.Client.Tests;

/// <summary>An in-process stand-in for the platform: answers by a script and records every request.</summary>
public sealed class StubPlatform : HttpMessageHandler
{
    private readonly Lock _gate = new();

    public Channel<RecordedRequest> Requests { get; } = Channel.CreateUnbounded<RecordedRequest>();

    /// <summary>Decides the answer; default: 200 {"status":"ok"} (register adds no token).</summary>
    public Func<RecordedRequest, HttpResponseMessage> Respond { get; set; } = _ => Json(200, """{"status":"ok"}""");

    public static HttpResponseMessage Json(int status, string body, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!.AbsolutePath, body,
            request.Headers.Authorization?.ToString(), request.Headers.TryGetValues("X-Workspace-ID", out var ids) ? ids.Single() : null);
        HttpResponseMessage response;
        lock (_gate)
        {
            response = Respond(recorded);
        }

        await Requests.Writer.WriteAsync(recorded, cancellationToken);
        return response;
    }
}

public sealed record RecordedRequest(string Method, string Path, string Body, string? Authorization, string? WorkspaceHeader);
