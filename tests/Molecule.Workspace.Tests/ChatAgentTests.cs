using System.Text;
using System.Text.Json;
using Molecule.Workspace.Tests.Infrastructure;

namespace Molecule.Workspace.Tests;

/// <summary>
/// The <c>chat</c> agent with the real OpenAI client library against an OpenAI-compatible server on loopback
/// Kestrel: streamed answers, history per context, the API key, and model failures reported as task failures.
/// </summary>
public sealed class ChatAgentTests : IAsyncLifetime
{
    private const string ApiKey = "sk-test-0123456789abcdefghij";
    private OpenAICompatibleServer _model = null!;
    private WorkspaceAppFactory _workspace = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _model = await OpenAICompatibleServer.StartAsync();
        _workspace = new WorkspaceAppFactory();
        _workspace.Settings["AGENT_KIND"] = "chat";
        _workspace.Settings["OPENAI_BASE_URL"] = _model.BaseUrl;
        _workspace.Settings["OPENAI_MODEL"] = "test-model";
        _workspace.Settings["OPENAI_API_KEY"] = ApiKey;
        _client = _workspace.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _workspace.DisposeAsync();
        await _model.DisposeAsync();
    }

    private static string AnswerText(JsonElement body) =>
        string.Concat(body.GetProperty("result").GetProperty("task").GetProperty("artifacts")[0].GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString()));

    [Fact]
    public async Task Answers_stream_from_the_model_with_the_configured_model_and_key()
    {
        var (_, body) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("hello model") }, "1.0");

        Assert.Equal("TASK_STATE_COMPLETED", body.GetProperty("result").GetProperty("task").GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("You said: hello model", AnswerText(body));
        var request = Assert.Single(_model.Requests);
        Assert.Equal("test-model", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.Equal($"Bearer {ApiKey}", Assert.Single(_model.Authorizations));
    }

    [Fact]
    public async Task History_is_kept_per_context_and_never_crosses_contexts()
    {
        var first = Guid.NewGuid().ToString();
        var second = Guid.NewGuid().ToString();

        await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("my name is Ada", contextId: first) }, "1.0");
        await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("what is my name?", contextId: first) }, "1.0");
        await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("what is my name?", contextId: second) }, "1.0");

        var requests = _model.Requests;
        var roles = requests.Select(r => string.Join(",", r.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()))).ToList();
        Assert.Equal(["system,user", "system,user,assistant,user", "system,user"], roles);   // the configured system prompt first
        var remembered = requests[1].GetProperty("messages");
        Assert.Equal("my name is Ada", remembered[1].GetProperty("content").ToString());
        Assert.Equal("You said: my name is Ada", remembered[2].GetProperty("content").ToString());
        Assert.DoesNotContain("Ada", requests[2].GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_model_fails_the_task_with_a_reason_and_no_secret()
    {
        _model.Answer = _ => (500, [], TimeSpan.Zero);

        var (status, body) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("hello?") }, "1.0");

        Assert.Equal(200, status);
        var task = body.GetProperty("result").GetProperty("task");
        Assert.Equal("TASK_STATE_FAILED", task.GetProperty("status").GetProperty("state").GetString());
        var reason = task.GetProperty("status").GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString();
        Assert.Contains("model endpoint failed (500)", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_answer_arrives_as_artifact_updates_over_SSE()
    {
        _model.Answer = _ => (200, ["one ", "two ", "three"], TimeSpan.Zero);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                jsonrpc = "2.0", id = 1, method = "SendStreamingMessage", @params = new { message = Rpc.Message10("count") },
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("A2A-Version", "1.0");

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var stream = await response.Content.ReadAsStringAsync().DefaultTimeout();

        var chunks = stream.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement.GetProperty("result"))
            .Where(r => r.TryGetProperty("artifactUpdate", out _))
            .Select(r => r.GetProperty("artifactUpdate").GetProperty("artifact").GetProperty("parts")[0].GetProperty("text").GetString())
            .ToList();
        Assert.Equal(["one ", "two ", "three"], chunks);
        Assert.Contains("TASK_STATE_COMPLETED", stream, StringComparison.Ordinal);
    }
}
