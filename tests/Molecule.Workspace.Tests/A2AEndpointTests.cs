using System.Net;
using System.Text;
using System.Text.Json;
using Molecule.Workspace.Tests.Infrastructure;

namespace Molecule.Workspace.Tests;

public sealed class A2AEndpointTests(WorkspaceAppFactory factory) : IClassFixture<WorkspaceAppFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Card_is_combined_without_a_version_header_and_pure_1_0_with_one()
    {
        var combined = JsonDocument.Parse(await _client.GetStringAsync("/.well-known/agent-card.json").DefaultTimeout()).RootElement;
        Assert.Equal("0.3.0", combined.GetProperty("protocolVersion").GetString());
        Assert.Equal("http://agent.test:8000/", combined.GetProperty("url").GetString());
        Assert.Equal("JSONRPC", combined.GetProperty("preferredTransport").GetString());
        Assert.Equal(2, combined.GetProperty("supportedInterfaces").GetArrayLength());
        Assert.True(combined.GetProperty("capabilities").GetProperty("streaming").GetBoolean());
        Assert.False(combined.GetProperty("capabilities").GetProperty("pushNotifications").GetBoolean());
        Assert.Contains(combined.GetProperty("skills").EnumerateArray(), s => s.GetProperty("id").GetString() == "work");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/agent-card.json");
        request.Headers.Add("A2A-Version", "1.0");
        using var response = await _client.SendAsync(request).DefaultTimeout();
        var v10 = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(v10.TryGetProperty("protocolVersion", out _));
        Assert.False(v10.TryGetProperty("url", out _));
        Assert.Equal("1.0", v10.GetProperty("supportedInterfaces")[0].GetProperty("protocolVersion").GetString());
        Assert.Contains("A2A-Version", response.Headers.Vary);
    }

    [Fact]
    public async Task Legacy_card_path_serves_the_same_document_and_etag_revalidates()
    {
        var card = await _client.GetAsync("/.well-known/agent-card.json").DefaultTimeout();
        var legacy = await _client.GetAsync("/.well-known/agent.json").DefaultTimeout();
        Assert.Equal(await card.Content.ReadAsStringAsync(), await legacy.Content.ReadAsStringAsync());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/.well-known/agent-card.json");
        conditional.Headers.IfNoneMatch.Add(card.Headers.ETag!);
        using var notModified = await _client.SendAsync(conditional).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task V03_blocking_send_answers_with_the_agents_message()
    {
        var (status, body) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("hello world") });

        Assert.Equal(200, status);
        var result = body.GetProperty("result");
        Assert.Equal("message", result.GetProperty("kind").GetString());
        Assert.Equal("agent", result.GetProperty("role").GetString());
        Assert.Equal("Echo: hello world", result.GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal("text", result.GetProperty("parts")[0].GetProperty("kind").GetString());
        Assert.True(result.TryGetProperty("taskId", out _));
    }

    [Fact]
    public async Task V03_accepts_legacy_type_tagged_parts()
    {
        var message = new { messageId = "m-legacy", role = "user", parts = new[] { new { type = "text", text = "legacy" } } };

        var (_, body) = await Rpc.CallAsync(_client, "message/send", new { message });

        Assert.Equal("Echo: legacy", body.GetProperty("result").GetProperty("parts")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task V10_send_returns_a_wrapped_task_with_1_0_enums_and_member_named_parts()
    {
        var (_, body) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("hi") }, "1.0", "req-1");

        Assert.Equal("req-1", body.GetProperty("id").GetString());
        var task = body.GetProperty("result").GetProperty("task");
        Assert.False(task.TryGetProperty("kind", out _));
        Assert.Equal("TASK_STATE_COMPLETED", task.GetProperty("status").GetProperty("state").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", task.GetProperty("status").GetProperty("timestamp").GetString());
        Assert.Equal("Echo: hi", task.GetProperty("artifacts")[0].GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal("ROLE_USER", task.GetProperty("history")[0].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Return_immediately_answers_with_a_running_task_that_get_task_then_finds()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage",
            new { message = Rpc.Message10("work 1s"), configuration = new { returnImmediately = true } }, "1.0");
        var task = sent.GetProperty("result").GetProperty("task");
        Assert.Contains(task.GetProperty("status").GetProperty("state").GetString(), new[] { "TASK_STATE_SUBMITTED", "TASK_STATE_WORKING" });

        var id = task.GetProperty("id").GetString();
        JsonElement got = default;
        for (var i = 0; i < 100; i++)
        {
            (_, got) = await Rpc.CallAsync(_client, "GetTask", new { id, historyLength = 1 }, "1.0");
            if (got.GetProperty("result").GetProperty("status").GetProperty("state").GetString() == "TASK_STATE_COMPLETED")
            {
                break;
            }

            await Task.Delay(100);
        }

        var result = got.GetProperty("result");
        Assert.Equal("TASK_STATE_COMPLETED", result.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(1, result.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task V03_non_blocking_send_returns_the_task()
    {
        var (_, body) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("work 1s"), configuration = new { blocking = false } });

        Assert.Equal("task", body.GetProperty("result").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Cancel_of_a_running_task_ends_in_canceled_and_a_second_cancel_is_task_not_cancelable_in_either_version()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("work 30s"), configuration = new { returnImmediately = true } }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        var (_, canceled) = await Rpc.CallAsync(_client, "CancelTask", new { id }, "1.0");
        var (_, again03) = await Rpc.CallAsync(_client, "tasks/cancel", new { id });
        var (_, again10) = await Rpc.CallAsync(_client, "CancelTask", new { id }, "1.0");

        Assert.Equal("TASK_STATE_CANCELED", canceled.GetProperty("result").GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(-32002, again03.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal($"Task {id} is canceled and can no longer be canceled", again03.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(-32002, again10.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal($"Task {id} is TASK_STATE_CANCELED and can no longer be canceled", again10.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Concurrent_cancels_of_a_running_task_converge_on_one_transition_and_all_get_the_task()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("work 30s"), configuration = new { returnImmediately = true } }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Rpc.CallAsync(_client, "CancelTask", new { id }, "1.0")));
        var (_, task) = await Rpc.CallAsync(_client, "GetTask", new { id }, "1.0");

        var states = answers.Select(a => a.Body.TryGetProperty("result", out var r) ? r.GetProperty("status").GetProperty("state").GetString() : a.Body.GetProperty("error").GetProperty("code").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains("TASK_STATE_CANCELED", states);
        Assert.All(states, s => Assert.True(s is "TASK_STATE_CANCELED" or "-32002", s));
        var history = task.GetProperty("result").GetProperty("history").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "ROLE_AGENT" && m.GetProperty("parts")[0].GetProperty("text").GetString() == "canceled by request");
        Assert.Equal(1, history);   // one transition: one canceled status message
    }

    [Fact]
    public async Task Cancel_of_a_parked_input_required_task_cancels_without_an_executor()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("ask me") });
        var task = sent.GetProperty("result");
        Assert.Equal("input-required", task.GetProperty("status").GetProperty("state").GetString());

        var (_, canceled) = await Rpc.CallAsync(_client, "tasks/cancel", new { id = task.GetProperty("id").GetString() });

        Assert.Equal("canceled", canceled.GetProperty("result").GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_input_required_task_continues_with_the_next_message_and_then_takes_no_more()
    {
        var (_, first) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("ask") });
        var taskId = first.GetProperty("result").GetProperty("id").GetString();
        var contextId = first.GetProperty("result").GetProperty("contextId").GetString();

        var (_, second) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("the answer", taskId, contextId) });
        var (_, third) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("more", taskId, contextId) });

        Assert.Equal("Echo: the answer", second.GetProperty("result").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal(-32004, third.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Cancel_of_a_terminal_task_is_task_not_cancelable()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("done") }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        var (status, body) = await Rpc.CallAsync(_client, "CancelTask", new { id }, "1.0");

        Assert.Equal(200, status);
        Assert.Equal(-32002, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("TASK_NOT_CANCELABLE", body.GetProperty("error").GetProperty("data")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Another_contexts_task_is_not_found()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("mine") }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        var (_, body) = await Rpc.CallAsync(_client, "GetTask", new { id, contextId = Guid.NewGuid().ToString() }, "1.0");
        var (_, send) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("steal", id, Guid.NewGuid().ToString()) }, "1.0");

        Assert.Equal(-32001, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32001, send.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task List_tasks_filters_by_context_and_pages()
    {
        var contextId = Guid.NewGuid().ToString();
        for (var i = 0; i < 3; i++)
        {
            await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10($"n{i}", contextId: contextId) }, "1.0");
        }

        var (_, page1) = await Rpc.CallAsync(_client, "ListTasks", new { contextId, pageSize = 2 }, "1.0");
        var token = page1.GetProperty("result").GetProperty("nextPageToken").GetString();
        var (_, page2) = await Rpc.CallAsync(_client, "ListTasks", new { contextId, pageSize = 2, pageToken = token }, "1.0");

        Assert.Equal(2, page1.GetProperty("result").GetProperty("tasks").GetArrayLength());
        Assert.Equal(3, page1.GetProperty("result").GetProperty("totalSize").GetInt32());
        Assert.False(page1.GetProperty("result").GetProperty("tasks")[0].TryGetProperty("artifacts", out _));
        Assert.Equal(1, page2.GetProperty("result").GetProperty("tasks").GetArrayLength());
        Assert.Equal("", page2.GetProperty("result").GetProperty("nextPageToken").GetString());
    }

    [Theory]
    [InlineData("TASK_STATE_UNSPECIFIED", 1)]   // the proto default: no filter
    [InlineData("UNRECOGNIZED", 1)]             // what protobuf-based clients send for an unset enum
    [InlineData("TASK_STATE_COMPLETED", 1)]
    [InlineData("TASK_STATE_WORKING", 0)]
    public async Task List_tasks_status_filter_treats_unset_enum_spellings_as_no_filter(string status, int expected)
    {
        var contextId = Guid.NewGuid().ToString();
        await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("done", contextId: contextId) }, "1.0");

        var (_, body) = await Rpc.CallAsync(_client, "ListTasks", new { contextId, status }, "1.0");

        Assert.Equal(expected, body.GetProperty("result").GetProperty("tasks").GetArrayLength());
    }

    [Fact]
    public async Task List_tasks_rejects_a_status_that_is_no_task_state()
    {
        var (_, body) = await Rpc.CallAsync(_client, "ListTasks", new { status = "TASK_STATE_SLEEPING" }, "1.0");

        Assert.Equal(-32602, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("TASK_STATE_SLEEPING", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GetTask", null, -32601)]                                  // a 1.0 name under 0.3 rules
    [InlineData("tasks/get", "1.0", -32601)]                               // a 0.3 name under 1.0 rules
    [InlineData("ListTasks", null, -32601)]                                // not in 0.3
    [InlineData("tasks/pushNotificationConfig/set", null, -32003)]
    [InlineData("CreateTaskPushNotificationConfig", "1.0", -32003)]
    [InlineData("GetExtendedAgentCard", "1.0", -32004)]
    [InlineData("no/such/method", null, -32601)]
    public async Task Methods_map_to_the_right_errors(string method, string? version, int code)
    {
        var (status, body) = await Rpc.CallAsync(_client, method, new { id = "x" }, version);

        Assert.Equal(200, status);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("{not json", -32700)]
    [InlineData("[1,2]", -32600)]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"message/send"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"message/send"}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":[]}""", -32600)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[]}}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"x"}]}}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":5}]}}}""", -32602)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"nope"}}""", -32001)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"x","historyLength":-1}}""", -32602)]
    public async Task Malformed_input_gets_the_right_json_rpc_error_with_http_200(string body, int code)
    {
        var (status, response) = await Rpc.PostAsync(_client, body);

        Assert.Equal(200, status);
        Assert.Equal(code, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.DoesNotContain("   at ", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_params_message_names_the_field()
    {
        var (_, response) = await Rpc.PostAsync(_client, """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"m","role":"robot","parts":[{"kind":"text","text":"x"}]}}}""");

        Assert.Contains("params.message.role", response.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_version_is_version_not_supported()
    {
        var (_, body) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("x") }, "2.7");

        Assert.Equal(-32009, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("1.0, 0.3", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_cap_is_refused_clearly_and_the_server_keeps_serving()
    {
        var huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"message/send\",\"params\":{\"x\":\"" + new string('a', 1024 * 1024 + 10) + "\"}}";
        using var response = await _client.PostAsync("/", new StringContent(huge, Encoding.UTF8, "application/json")).DefaultTimeout();
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1048576", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var (status, _) = await Rpc.CallAsync(_client, "message/send", new { message = Rpc.Message03("still here") });
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Streaming_sends_the_task_first_then_updates_in_order_and_closes_at_the_terminal_state()
    {
        using var request = Rpc.StreamRequest("SendStreamingMessage", new { message = Rpc.Message10("stream me please") }, "1.0");
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        var events = await Rpc.ReadSseAsync(response);
        var kinds = events.Select(e => e.Data.GetProperty("result").EnumerateObject().First().Name).ToList();
        Assert.Equal("task", kinds[0]);
        Assert.Equal("statusUpdate", kinds[^1]);
        Assert.Contains("artifactUpdate", kinds);
        Assert.Equal("TASK_STATE_COMPLETED", events[^1].Data.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
        var ids = events.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ids.OrderBy(i => i), ids);
        var text = string.Concat(events.Where(e => e.Data.GetProperty("result").TryGetProperty("artifactUpdate", out _))
            .Select(e => e.Data.GetProperty("result").GetProperty("artifactUpdate").GetProperty("artifact").GetProperty("parts")[0].GetProperty("text").GetString()));
        Assert.Equal("Echo: stream me please", text);
    }

    [Fact]
    public async Task V03_stream_marks_the_last_status_update_final()
    {
        using var request = Rpc.StreamRequest("message/stream", new { message = Rpc.Message03("x") }, null);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var events = await Rpc.ReadSseAsync(response);

        Assert.Equal("task", events[0].Data.GetProperty("result").GetProperty("kind").GetString());
        var last = events[^1].Data.GetProperty("result");
        Assert.Equal("status-update", last.GetProperty("kind").GetString());
        Assert.True(last.GetProperty("final").GetBoolean());
    }

    [Fact]
    public async Task Resubscribe_with_last_event_id_replays_the_gap_and_two_subscribers_see_the_same_order()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("work 2s"), configuration = new { returnImmediately = true } }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        using var fromStart = Rpc.StreamRequest("SubscribeToTask", new { id }, "1.0", lastEventId: "1");
        using var snapshot = Rpc.StreamRequest("SubscribeToTask", new { id }, "1.0");
        using var first = await _client.SendAsync(fromStart, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var second = await _client.SendAsync(snapshot, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var replayed = await Rpc.ReadSseAsync(first);
        var live = await Rpc.ReadSseAsync(second);

        Assert.Equal("2", replayed[0].Id);   // everything after event 1, nothing lost
        Assert.Equal("task", live[0].Data.GetProperty("result").EnumerateObject().First().Name);
        var tail = live.Skip(1).Select(e => e.Id).ToList();
        Assert.Equal(tail, replayed.Select(e => e.Id).Where(i => tail.Contains(i)).ToList());
        Assert.Equal("TASK_STATE_COMPLETED", replayed[^1].Data.GetProperty("result").GetProperty("statusUpdate").GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Subscribe_to_a_terminal_task_is_unsupported_operation_as_one_sse_error_event()
    {
        var (_, sent) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("x") }, "1.0");
        var id = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

        var (contentType, events) = await StreamAsync("SubscribeToTask", new { id }, "1.0");

        Assert.Equal("text/event-stream", contentType);
        Assert.Equal(-32004, Assert.Single(events).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("tasks/resubscribe", null, -32001)]
    [InlineData("SubscribeToTask", "1.0", -32001)]
    [InlineData("message/stream", null, -32602)]
    [InlineData("SendStreamingMessage", "1.0", -32602)]
    public async Task Streaming_methods_answer_errors_before_the_first_event_as_an_sse_stream(string method, string? version, int code)
    {
        object parameters = method.Contains("ubscribe", StringComparison.Ordinal) ? new { id = "no-such-task" } : new { message = new { messageId = "m" } };

        var (contentType, events) = await StreamAsync(method, parameters, version);

        Assert.Equal("text/event-stream", contentType);
        var error = Assert.Single(events).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    private async Task<(string? ContentType, List<JsonElement> Events)> StreamAsync(string method, object parameters, string? version)
    {
        using var request = Rpc.StreamRequest(method, parameters, version);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var events = await Rpc.ReadSseAsync(response);
        return (response.Content.Headers.ContentType?.MediaType, events.Select(e => e.Data).ToList());
    }

    [Fact]
    public async Task An_agent_failure_fails_the_task_without_a_500()
    {
        var (status, body) = await Rpc.CallAsync(_client, "SendMessage", new { message = Rpc.Message10("fail upstream exploded") }, "1.0");

        Assert.Equal(200, status);
        var task = body.GetProperty("result").GetProperty("task");
        Assert.Equal("TASK_STATE_FAILED", task.GetProperty("status").GetProperty("state").GetString());
        Assert.Contains("upstream exploded", task.GetProperty("status").GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
