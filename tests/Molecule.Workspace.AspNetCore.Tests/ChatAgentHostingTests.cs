using System.ClientModel;
using System.Text;
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;
using OpenAI;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// <c>AddChatAgent()</c> over an <see cref="IChatClient"/> from DI and <c>AddAIAgent()</c> with an Agent Framework
/// agent, both with the real OpenAI client against an OpenAI-compatible server on loopback: streaming, one
/// conversation per context, and cancellation reaching the model call.
/// </summary>
public sealed class ChatAgentHostingTests : IAsyncLifetime
{
    private OpenAICompatibleServer _model = null!;

    public async ValueTask InitializeAsync() => _model = await OpenAICompatibleServer.StartAsync();

    public async ValueTask DisposeAsync() => await _model.DisposeAsync();

    private IChatClient ChatClient() =>
        new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(_model.BaseUrl) })
            .GetChatClient("test-model").AsIChatClient();

    [Fact]
    public async Task AddChatAgent_answers_with_the_IChatClient_from_DI_and_keeps_one_conversation_per_context()
    {
        await using var host = await WorkspaceHost.StartAsync(
            workspace =>
            {
                workspace.Services.AddChatClient(ChatClient());
                workspace.AddChatAgent(chat => chat.SystemPrompt = "You are terse.");
            });
        var context = Guid.NewGuid().ToString();

        var (_, first) = await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("my name is Ada", contextId: context) }, "1.0");
        await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("what is my name?", contextId: context) }, "1.0");
        await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("what is my name?") }, "1.0");

        Assert.Equal("You said: my name is Ada", Answer(first));
        var requests = _model.Requests;
        var roles = requests.Select(r => string.Join(",", r.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()))).ToList();
        Assert.Equal(["system,user", "system,user,assistant,user", "system,user"], roles);
        // The configured prompt is the base of the assembled one (no prompt files, no platform here), then the runtime's rules.
        var system = requests[0].GetProperty("messages")[0].GetProperty("content").ToString();
        Assert.StartsWith("You are terse.\n\n## Handling delegation failures\n", system, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", requests[2].GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Agent_Framework_agent_streams_its_answer_as_artifact_chunks()
    {
        _model.Answer = _ => (200, ["one ", "two ", "three"], TimeSpan.Zero);
        await using var host = await WorkspaceHost.StartAsync(
            workspace => workspace.AddAIAgent(_ => new ChatClientAgent(ChatClient(), instructions: "Count.", name: "Counter")));
        using var request = Rpc.StreamRequest("SendStreamingMessage", new { message = Rpc.Message10("count") }, "1.0");

        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var events = await Rpc.ReadSseAsync(response);

        var chunks = events.Select(e => e.Data.GetProperty("result"))
            .Where(r => r.TryGetProperty("artifactUpdate", out _))
            .Select(r => r.GetProperty("artifactUpdate").GetProperty("artifact").GetProperty("parts")[0].GetProperty("text").GetString())
            .ToList();
        Assert.Equal(["one ", "two ", "three"], chunks);
        Assert.Equal("TASK_STATE_COMPLETED", events[^1].Data.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_Agent_Framework_agent_continues_one_conversation_per_context_across_tasks()
    {
        await using var host = await WorkspaceHost.StartAsync(
            workspace => workspace.AddAIAgent(_ => new ChatClientAgent(ChatClient(), instructions: "Remember.", name: "Rememberer"), maxContexts: 10));
        var context = Guid.NewGuid().ToString();

        await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("my name is Grace", contextId: context) }, "1.0");
        var (_, second) = await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("who am I?", contextId: context) }, "1.0");

        Assert.Equal("You said: who am I?", Answer(second));
        var remembered = _model.Requests[1].GetProperty("messages");
        Assert.Equal(["system", "user", "assistant", "user"], remembered.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("my name is Grace", remembered[1].GetProperty("content").ToString());
    }

    [Fact]
    public async Task Canceling_the_task_cancels_the_agent_run_and_the_model_call()
    {
        _model.Answer = _ => (200, Enumerable.Repeat("tick ", 100).ToArray(), TimeSpan.FromMilliseconds(200));
        await using var host = await WorkspaceHost.StartAsync(workspace => workspace.AddAIAgent(_ => new ChatClientAgent(ChatClient())));
        var (_, sent) = await Rpc.CallAsync(host.Client, "SendMessage",
            new { message = Rpc.Message10("talk for a long time"), configuration = new { returnImmediately = true } }, "1.0");
        var taskId = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();
        await TestTimeouts.Eventually(() => Task.FromResult(_model.Requests.Count == 1), TestTimeouts.Short, "the model call");

        var (_, canceled) = await Rpc.CallAsync(host.Client, "CancelTask", new { id = taskId }, "1.0");

        Assert.Equal("TASK_STATE_CANCELED", canceled.GetProperty("result").GetProperty("status").GetProperty("state").GetString());
        await TestTimeouts.Eventually(() => Task.FromResult(_model.Aborted == 1), TestTimeouts.Short, "the model call to be aborted");
    }

    [Fact]
    public async Task A_text_file_the_caller_sends_reaches_the_model_as_text()
    {
        await using var host = await WorkspaceHost.StartAsync(workspace => workspace.AddAIAgent(_ => new ChatClientAgent(ChatClient())));
        var message = new Dictionary<string, object?>
        {
            ["messageId"] = "m-1",
            ["role"] = "ROLE_USER",
            ["parts"] = new object[] { new { text = "what is in this note?" }, new { raw = Convert.ToBase64String(Encoding.UTF8.GetBytes("hello")), mediaType = "text/plain", filename = "note.txt" } },
        };

        await Rpc.CallAsync(host.Client, "SendMessage", new { message }, "1.0");

        var content = Assert.Single(_model.Requests).GetProperty("messages").EnumerateArray().Last().GetProperty("content");
        Assert.Contains("what is in this note?", content.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("[note.txt (text/plain)]\\nhello", content.GetRawText(), StringComparison.Ordinal);
    }

    private static string Answer(JsonElement body) =>
        string.Concat(body.GetProperty("result").GetProperty("task").GetProperty("artifacts")[0].GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString()));
}
