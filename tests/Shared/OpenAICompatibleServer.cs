using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Molecule.Testing;

/// <summary>
/// An OpenAI-compatible chat-completions server on loopback Kestrel, answering by a script: streamed chunks (with an
/// optional pause between them), or an HTTP status to fail with. Records every request and its Authorization header.
/// </summary>
public sealed class OpenAICompatibleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<JsonElement> _requests = [];
    private readonly List<string?> _authorizations = [];
    private int _aborted;

    private OpenAICompatibleServer(WebApplication app) => _app = app;

    /// <summary>How the model answers a request: the status, the streamed chunks, and a pause before each chunk.</summary>
    public Func<JsonElement, (int Status, string[] Chunks, TimeSpan Pause)> Answer { get; set; } =
        request => (200, ["You said: ", LastUserText(request)], TimeSpan.Zero);

    /// <summary>Tool calls the model makes instead of answering (name and JSON arguments); null or empty answers with <see cref="Answer"/>.</summary>
    public Func<JsonElement, (string Name, string Arguments)[]?> ToolCalls { get; set; } = _ => null;

    /// <summary>The base URL for an OpenAI client, ending in <c>/v1</c>.</summary>
    public string BaseUrl => _app.Urls.First() + "/v1";

    public IReadOnlyList<JsonElement> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<string?> Authorizations
    {
        get
        {
            lock (_requests)
            {
                return [.. _authorizations];
            }
        }
    }

    /// <summary>Requests whose caller went away before the answer ended.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    public static async Task<OpenAICompatibleServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new OpenAICompatibleServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    public static string LastUserText(JsonElement request) =>
        request.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").ToString();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement.Clone();
        lock (_requests)
        {
            _requests.Add(request);
            _authorizations.Add(context.Request.Headers.Authorization);
        }

        var (status, chunks, pause) = Answer(request);
        if (status != 200)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "model overloaded", type = "server_error" } });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        if (ToolCalls(request) is { Length: > 0 } calls)
        {
            var delta = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1_700_000_000, model = "test-model",
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        delta = new
                        {
                            role = "assistant",
                            tool_calls = calls.Select((c, i) => new { index = i, id = $"call_{_requests.Count}_{i}", type = "function", function = new { name = c.Name, arguments = c.Arguments } }).ToArray(),
                        },
                        finish_reason = (string?)null,
                    },
                },
            });
            var finish = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1_700_000_000, model = "test-model",
                choices = new[] { new { index = 0, delta = new { }, finish_reason = "tool_calls" } },
            });
            await context.Response.WriteAsync($"data: {delta}\n\ndata: {finish}\n\ndata: [DONE]\n\n", context.RequestAborted);
            return;
        }

        try
        {
            foreach (var chunk in chunks)
            {
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, context.RequestAborted);
                }

                var data = JsonSerializer.Serialize(new
                {
                    id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1_700_000_000, model = "test-model",
                    choices = new[] { new { index = 0, delta = new { role = "assistant", content = chunk }, finish_reason = (string?)null } },
                });
                await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _aborted);
        }
    }
}
