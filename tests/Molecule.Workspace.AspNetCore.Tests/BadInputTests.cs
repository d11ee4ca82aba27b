using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>The inputs a fuzzing run once answered with HTTP 500, each now getting the JSON-RPC error that says what is wrong.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/cancel"}""", null, -32602, "params.id is required")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/cancel","params":null}""", null, -32602, "params.id is required")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"CancelTask","params":null}""", "1.0", -32602, "params.id is required")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"SubscribeToTask"}""", "1.0", -32602, "params.id is required")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/\ud800send","params":{}}""", null, -32700, "unpaired surrogate")]
    [InlineData("""{"jsonrpc":"2.\ud800","id":1,"method":"message/send"}""", null, -32700, "unpaired surrogate")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"a\udc00"}]}}}""", null, -32700, "unpaired surrogate")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}}""", null, -32001, "Task not found")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"x","historyLength":"5"}}""", null, -32602, "params.historyLength must be an integer")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","parts":[{"kind":"text","text":"no role"}]}}}""", null, -32602, "params.message.role is required")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m","role":"ROLE_UNKNOWN","parts":[{"text":"x"}]}}}""", "1.0", -32602, "params.message.role 'ROLE_UNKNOWN' is not user or agent")]
    public async Task Each_once_crashing_input_gets_the_json_rpc_error_that_names_the_problem(string body, string? version, int code, string message)
    {
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent<WorkAgent>());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (version is not null)
        {
            request.Headers.Add("A2A-Version", version);
        }

        using var response = await host.Client.SendAsync(request).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync();
        var streaming = response.Content.Headers.ContentType?.MediaType == "text/event-stream";   // streaming methods answer in SSE
        var answer = System.Text.Json.JsonDocument.Parse(streaming ? text.Trim()["data: ".Length..] : text).RootElement;

        Assert.Equal(200, (int)response.StatusCode);
        var error = answer.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_a_parse_error_naming_the_offset()
    {
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent<WorkAgent>());
        // An encoded surrogate (ED A0 80): the JSON parser lets it through inside a string, no UTF-8 decoder reads it.
        using var content = new ByteArrayContent([.. """{"jsonrpc":"2.0","id":7,"method":"x"""u8.ToArray(), 0xED, 0xA0, 0x80, .. "\"}"u8.ToArray()]);

        using var response = await host.Client.PostAsync("/", content).DefaultTimeout();
        var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(-32700, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Parse error: the request body at byte 35 is not valid UTF-8", answer.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task A_request_stops_short_of_the_depth_that_would_make_the_answers_about_it_unreadable()
    {
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent<WorkAgent>());
        // root, params, message, parts, part: a data part's value is the sixth level of a SendMessage request.
        static string Send(int dataDepth) =>
            """{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m-deep","role":"ROLE_USER","parts":[{"text":"deep"},{"data":"""
            + string.Concat(Enumerable.Repeat("""{"a":""", dataDepth - 1)) + "{}" + new string('}', dataDepth - 1) + "}]}}}";

        var (_, deepest) = await Rpc.PostAsync(host.Client, Send(48 - 5), "1.0");
        var (_, tooDeep) = await Rpc.PostAsync(host.Client, Send(48 - 5 + 1), "1.0");

        // Every answer that carries the stored message reads at System.Text.Json's default depth (64) — Rpc parses with it.
        var id = deepest.GetProperty("result").GetProperty("task").GetProperty("id").GetString();
        var (_, task) = await Rpc.CallAsync(host.Client, "GetTask", new { id }, "1.0");
        Assert.Equal(id, task.GetProperty("result").GetProperty("id").GetString());
        var (_, list) = await Rpc.CallAsync(host.Client, "ListTasks", new { historyLength = 10 }, "1.0");
        Assert.Contains(list.GetProperty("result").GetProperty("tasks").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
        var error = tooDeep.GetProperty("error");
        Assert.Equal(-32700, error.GetProperty("code").GetInt32());
        Assert.Contains("depth of 48", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
