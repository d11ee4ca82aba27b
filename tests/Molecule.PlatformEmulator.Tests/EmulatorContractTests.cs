using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>The contract walked as one life, one assertion per row, on exact statuses and bodies.</summary>
public sealed class EmulatorContractTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<(HttpStatusCode Status, JsonElement Body, string Raw)> SendAsync(HttpMethod method, string path, string? body = null, string? bearer = null, string? workspaceHeader = null)
    {
        var (status, raw) = await _client.SendJsonAsync(method, path, body, bearer, workspaceHeader);
        return (status, raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone(), raw);
    }

    private Task<(HttpStatusCode Status, JsonElement Body, string Raw)> AdminAsync(HttpMethod method, string path, string? body = null) =>
        SendAsync(method, path, body, EmulatorFactory.Token);

    private async Task<string> CreateAsync(string name, string? parent = null)
    {
        var body = parent is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","parent_id":"{{parent}}"}""";
        var (status, json, _) = await AdminAsync(HttpMethod.Post, "/workspaces", body);
        Assert.Equal(HttpStatusCode.Created, status);
        return json.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_whole_life_follows_the_contract()
    {
        // Health
        var health = await SendAsync(HttpMethod.Get, "/health");
        Assert.Equal("""{"status":"ok"}""", health.Raw);

        // Create: 201 provisioning with the awareness namespace.
        var (created, createdBody, _) = await AdminAsync(HttpMethod.Post, "/workspaces", """{"name":"alpha","role":"lead"}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var a = createdBody.GetProperty("id").GetString()!;
        Assert.Equal("provisioning", createdBody.GetProperty("status").GetString());
        Assert.Equal($"workspace:{a}", createdBody.GetProperty("awareness_namespace").GetString());
        Assert.Equal("none", createdBody.GetProperty("workspace_access").GetString());
        var b = await CreateAsync("beta");
        var child = await CreateAsync("alpha-child", a);

        // Admin auth is required once ADMIN_TOKEN is set.
        Assert.Equal("""{"error":"admin auth required"}""", (await SendAsync(HttpMethod.Get, "/workspaces")).Raw);
        Assert.Equal("""{"error":"invalid admin auth token"}""", (await SendAsync(HttpMethod.Get, "/workspaces", bearer: "wrong")).Raw);

        // Test token, then the registry rule turns strict for A.
        var (tokenStatus, tokenBody, _) = await SendAsync(HttpMethod.Get, $"/admin/workspaces/{a}/test-token", bearer: EmulatorFactory.Token);
        Assert.Equal(HttpStatusCode.OK, tokenStatus);
        var tokenA = tokenBody.GetProperty("auth_token").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", tokenA);
        var card = """{"name":"alpha-agent","skills":[{"id":"echo","name":"Echo","description":"d","tags":[]}]}""";
        var register = $$"""{"id":"{{a}}","url":"http://127.0.0.1:9001","agent_card":{{card}}}""";
        Assert.Equal("""{"error":"missing workspace auth token"}""", (await SendAsync(HttpMethod.Post, "/registry/register", register)).Raw);
        Assert.Equal("""{"error":"invalid workspace auth token"}""", (await SendAsync(HttpMethod.Post, "/registry/register", register, EmulatorFactory.Token)).Raw);
        Assert.Equal("""{"status":"registered"}""", (await SendAsync(HttpMethod.Post, "/registry/register", register, tokenA)).Raw);

        // B has no token: the first tokenless registration mints one, the next does not.
        var registerB = $$$"""{"id":"{{{b}}}","url":"http://127.0.0.1:9002","agent_card":{"name":"beta-agent"}}""";
        var (_, first, _) = await SendAsync(HttpMethod.Post, "/registry/register", registerB);
        var tokenB = first.GetProperty("auth_token").GetString()!;
        Assert.Equal("""{"status":"registered"}""", (await SendAsync(HttpMethod.Post, "/registry/register", registerB, tokenB)).Raw);

        // A token of workspace A never authorises workspace B.
        Assert.Equal("""{"error":"invalid workspace auth token"}""",
            (await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{b}}"}""", tokenA)).Raw);

        // Online with card and URL.
        var (_, list, _) = await AdminAsync(HttpMethod.Get, "/workspaces");
        var alpha = list.EnumerateArray().Single(w => w.GetProperty("id").GetString() == a);
        Assert.Equal("online", alpha.GetProperty("status").GetString());
        Assert.Equal("http://127.0.0.1:9001", alpha.GetProperty("url").GetString());
        Assert.Equal("alpha-agent", alpha.GetProperty("agent_card").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, list.EnumerateArray().Single(w => w.GetProperty("id").GetString() == b).GetProperty("role").ValueKind);

        // Heartbeat: 200 {"status":"ok"} with bearer, 401 without.
        var beat = $$"""{"workspace_id":"{{a}}","error_rate":0,"sample_error":"","active_tasks":1,"current_task":"t1","uptime_seconds":5}""";
        Assert.Equal("""{"status":"ok"}""", (await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat, tokenA)).Raw);
        Assert.Equal("""{"error":"missing workspace auth token"}""", (await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat)).Raw);

        // Integer typing.
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{a}}","active_tasks":2.0}""", tokenA)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{a}}","uptime_seconds":"2"}""", tokenA)).Status);

        // Degraded at >= 0.5, stays degraded at 0.2 (hysteresis), back online below 0.1.
        await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{a}}","error_rate":0.5,"sample_error":"boom"}""", tokenA);
        Assert.Equal("degraded", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}")).Body.GetProperty("status").GetString());
        await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{a}}","error_rate":0.2}""", tokenA);
        Assert.Equal("degraded", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}")).Body.GetProperty("status").GetString());
        await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{a}}","error_rate":0.05}""", tokenA);
        Assert.Equal("online", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}")).Body.GetProperty("status").GetString());

        // Update card.
        Assert.Equal("""{"status":"updated"}""",
            (await SendAsync(HttpMethod.Post, "/registry/update-card", $$$"""{"workspace_id":"{{{a}}}","agent_card":{"name":"alpha-2"}}""", tokenA)).Raw);

        // Discover and peers under the hierarchy rule.
        var discover = await SendAsync(HttpMethod.Get, $"/registry/discover/{b}", bearer: tokenA, workspaceHeader: a);
        Assert.Equal(HttpStatusCode.OK, discover.Status);
        Assert.Equal("http://127.0.0.1:9002", discover.Body.GetProperty("url").GetString());
        Assert.Equal("""{"error":"X-Workspace-ID header is required"}""", (await SendAsync(HttpMethod.Get, $"/registry/discover/{b}", bearer: tokenA)).Raw);
        var childToken = (await SendAsync(HttpMethod.Get, $"/admin/workspaces/{child}/test-token", bearer: EmulatorFactory.Token)).Body.GetProperty("auth_token").GetString()!;
        Assert.Equal("""{"error":"not authorized to discover this workspace"}""",
            (await SendAsync(HttpMethod.Get, $"/registry/discover/{b}", bearer: childToken, workspaceHeader: child)).Raw);
        var (_, peers, _) = await SendAsync(HttpMethod.Get, $"/registry/{a}/peers", bearer: tokenA);
        var peerIds = peers.EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();
        Assert.Contains(b, peerIds);        // another root
        Assert.Contains(child, peerIds);    // a child
        Assert.DoesNotContain(a, peerIds);
        Assert.Equal("""{"allowed":false}""", (await SendAsync(HttpMethod.Post, "/registry/check-access", $$"""{"caller_id":"{{child}}","target_id":"{{b}}"}""")).Raw);
        Assert.Equal("""{"allowed":true}""", (await SendAsync(HttpMethod.Post, "/registry/check-access", $$"""{"caller_id":"{{child}}","target_id":"{{a}}"}""")).Raw);

        // Tokens: list (no plaintext), create, revoke.
        var (_, tokens, tokensRaw) = await SendAsync(HttpMethod.Get, $"/workspaces/{a}/tokens", bearer: tokenA);
        Assert.Equal(1, tokens.GetProperty("count").GetInt32());
        Assert.Equal(tokenA[..8], tokens.GetProperty("tokens")[0].GetProperty("prefix").GetString());
        Assert.DoesNotContain(tokenA, tokensRaw, StringComparison.Ordinal);
        var (mintedStatus, minted, _) = await SendAsync(HttpMethod.Post, $"/workspaces/{a}/tokens", bearer: tokenA);
        Assert.Equal(HttpStatusCode.Created, mintedStatus);
        Assert.Equal("Save this token now — it cannot be retrieved again.", minted.GetProperty("message").GetString());
        var secondId = (await SendAsync(HttpMethod.Get, $"/workspaces/{a}/tokens", bearer: tokenA)).Body.GetProperty("tokens")[1].GetProperty("id").GetString();
        Assert.Equal("""{"status":"revoked"}""", (await SendAsync(HttpMethod.Delete, $"/workspaces/{a}/tokens/{secondId}", bearer: tokenA)).Raw);
        Assert.Equal("""{"error":"token not found or already revoked"}""", (await SendAsync(HttpMethod.Delete, $"/workspaces/{a}/tokens/{secondId}", bearer: tokenA)).Raw);

        // State polling: 200 with own token, 401 with the admin token once a live token exists.
        Assert.Equal($$"""{"workspace_id":"{{a}}","status":"online","paused":false,"deleted":false}""", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}/state", bearer: tokenA)).Raw);
        Assert.Equal("""{"error":"invalid workspace auth token"}""", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}/state", bearer: EmulatorFactory.Token)).Raw);

        // TTL expiry: after 180 s without a heartbeat, the sweep takes A and B offline.
        factory.Time.Advance(TimeSpan.FromSeconds(181));
        factory.Services.GetRequiredService<WorkspaceService>().Sweep();
        Assert.Equal("offline", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}")).Body.GetProperty("status").GetString());
        await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat, tokenA);
        Assert.Equal("online", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}")).Body.GetProperty("status").GetString());

        // Delete with children needs confirmation, then cascades and revokes tokens.
        var (conflict, conflictBody, _) = await AdminAsync(HttpMethod.Delete, $"/workspaces/{a}");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("confirmation_required", conflictBody.GetProperty("status").GetString());
        Assert.Equal(1, conflictBody.GetProperty("children_count").GetInt32());
        Assert.Equal("""{"status":"removed","cascade_deleted":1}""", (await AdminAsync(HttpMethod.Delete, $"/workspaces/{a}?confirm=true")).Raw);
        Assert.Equal("removed", (await SendAsync(HttpMethod.Get, $"/workspaces/{child}")).Body.GetProperty("status").GetString());

        // After delete the old token is refused; the registry calls for a removed workspace are 404.
        Assert.Equal("""{"error":"invalid workspace auth token"}""", (await SendAsync(HttpMethod.Get, $"/workspaces/{a}/state", bearer: tokenA)).Raw);
        if (Fidelity.Strict)
        {
            // §3 row 3: the real platform answers them as if nothing happened.
            Assert.Equal("""{"status":"ok"}""", (await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat)).Raw);
            Assert.StartsWith("""{"status":"registered","auth_token":""", (await SendAsync(HttpMethod.Post, "/registry/register", register)).Raw, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("""{"error":"workspace not found"}""", (await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat)).Raw);
            Assert.Equal("""{"error":"workspace removed"}""", (await SendAsync(HttpMethod.Post, "/registry/register", register)).Raw);
        }
        Assert.Equal("""{"status":"removed","cascade_deleted":0}""", (await AdminAsync(HttpMethod.Delete, $"/workspaces/{Guid.NewGuid()}")).Raw);

        // Events were persisted, newest first.
        var (_, events, _) = await AdminAsync(HttpMethod.Get, $"/events/{a}");
        var types = events.EnumerateArray().Select(e => e.GetProperty("event_type").GetString()).ToList();
        Assert.Equal("WORKSPACE_REMOVED", types[0]);
        Assert.Contains("WORKSPACE_DEGRADED", types);
        Assert.Contains("WORKSPACE_OFFLINE", types);
        Assert.DoesNotContain("WORKSPACE_HEARTBEAT", types);
    }

    [Fact]
    public async Task External_create_without_url_returns_the_connection_block_and_requires_the_token()
    {
        var (status, body, _) = await AdminAsync(HttpMethod.Post, "/workspaces", """{"name":"ext","runtime":"external"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("awaiting_agent", body.GetProperty("status").GetString());
        var connection = body.GetProperty("connection");
        var id = body.GetProperty("id").GetString();
        var token = connection.GetProperty("auth_token").GetString();
        Assert.EndsWith("/registry/register", connection.GetProperty("registry_endpoint").GetString(), StringComparison.Ordinal);
        var register = $$$"""{"id":"{{{id}}}","url":"http://10.0.0.5:8000","agent_card":{}}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, "/registry/register", register)).Status);
        Assert.Equal("""{"status":"registered"}""", (await SendAsync(HttpMethod.Post, "/registry/register", register, token)).Raw);
    }

    [Theory]
    [InlineData("{", "invalid workspace payload")]
    [InlineData("""{"name":""}""", "invalid workspace payload")]
    [InlineData("""{"name":5}""", "invalid workspace payload")]
    [InlineData("""{"name":"a{b}"}""", "invalid workspace fields")]
    [InlineData("""{"name":"a\nb"}""", "invalid workspace fields")]
    [InlineData("""{"name":"ok","template":"../etc"}""", "invalid template")]
    [InlineData("""{"name":"ok","workspace_dir":"/etc/x"}""", "invalid workspace directory")]
    [InlineData("""{"name":"ok","workspace_access":"read_only"}""", "invalid workspace access")]
    [InlineData("""{"name":"ok","tier":1.5}""", "invalid workspace payload")]
    [InlineData("""{"name":"ok","parent_id":"8d9c2a1e-0000-4000-8000-000000000000"}""", "invalid workspace fields")]
    public async Task Create_rejects_bad_input_with_the_contract_texts(string body, string error)
    {
        var (status, json, _) = await AdminAsync(HttpMethod.Post, "/workspaces", body);
        if (Fidelity.Strict && body.Contains("parent_id", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, status);   // §3 row 12: the foreign-key failure leaks
            Assert.Equal("failed to create workspace", json.GetProperty("error").GetString());
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/registry/register", "{")]
    [InlineData("/registry/register", """{"workspace_id":"8d9c2a1e-0000-4000-8000-000000000000","url":"http://x:1","agent_card":{}}""")]
    [InlineData("/registry/register", """{"id":"not-a-uuid","url":"http://x:1","agent_card":{}}""")]
    [InlineData("/registry/register", """{"id":"8d9c2a1e-0000-4000-8000-000000000000","url":"ftp://x","agent_card":{}}""")]
    [InlineData("/registry/register", """{"id":"8d9c2a1e-0000-4000-8000-000000000000","url":"http://169.254.169.254/","agent_card":{}}""")]
    [InlineData("/registry/heartbeat", """{"error_rate":0}""")]
    [InlineData("/registry/heartbeat", """{"workspace_id":"8d9c2a1e-0000-4000-8000-000000000000","active_tasks":"1"}""")]
    [InlineData("/registry/update-card", """{"workspace_id":"8d9c2a1e-0000-4000-8000-000000000000"}""")]
    [InlineData("/registry/check-access", """{"caller_id":"x"}""")]
    public async Task Registry_rejects_bad_input_with_400_invalid_request_body(string path, string body)
    {
        var (status, json, _) = await SendAsync(HttpMethod.Post, path, body);

        if (Fidelity.Strict && body.Contains("not-a-uuid", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, status);   // §3 row 12
            Assert.Equal("registration failed", json.GetProperty("error").GetString());
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid request body", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Oversize_bodies_are_413_and_nothing_is_written()
    {
        var before = (await AdminAsync(HttpMethod.Get, "/workspaces")).Body.GetArrayLength();
        var huge = """{"name":"big","role":" """ + new string('x', 1024 * 1024) + "\"}";

        var (status, json, _) = await AdminAsync(HttpMethod.Post, "/workspaces", huge);

        // §3 row 9: the real platform caps no body, so the long role fails its own check.
        Assert.Equal(Fidelity.Strict ? HttpStatusCode.BadRequest : HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(Fidelity.Strict ? "invalid workspace fields" : "request body too large", json.GetProperty("error").GetString());
        Assert.Equal(before, (await AdminAsync(HttpMethod.Get, "/workspaces")).Body.GetArrayLength());
    }

    [Theory]
    [InlineData("/workspaces/not-a-uuid", "invalid workspace ID", HttpStatusCode.BadRequest)]
    [InlineData("/workspaces/8d9c2a1e-0000-4000-8000-000000000000", "workspace not found", HttpStatusCode.NotFound)]
    public async Task Reading_a_workspace_validates_the_id(string path, string error, HttpStatusCode expected)
    {
        var (status, json, _) = await SendAsync(HttpMethod.Get, path);

        Assert.Equal(expected, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("GET", "/workspaces/not-a-uuid/tokens", null, HttpStatusCode.Unauthorized, "missing workspace auth token")]
    [InlineData("GET", "/workspaces/not-a-uuid/tokens", "wrong", HttpStatusCode.Unauthorized, "invalid workspace auth token")]
    [InlineData("GET", "/workspaces/not-a-uuid/tokens", EmulatorFactory.Token, HttpStatusCode.BadRequest, "invalid workspace ID")]
    [InlineData("PATCH", "/workspaces/not-a-uuid", EmulatorFactory.Token, HttpStatusCode.BadRequest, "invalid workspace ID")]
    [InlineData("POST", "/workspaces/not-a-uuid/notify", null, HttpStatusCode.Unauthorized, "missing workspace auth token")]
    [InlineData("GET", "/workspaces/8d9c2a1e-0000-4000-8000-000000000000/delegations", "wrong", HttpStatusCode.Unauthorized, "invalid workspace auth token")]
    public async Task Workspace_auth_runs_before_id_validation(string method, string path, string? bearer, HttpStatusCode expected, string error)
    {
        var (status, json, _) = await SendAsync(new HttpMethod(method), path, method == "GET" ? null : "{}", bearer);

        Assert.Equal(expected, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Faults_answer_with_the_injected_status_for_the_next_n_calls_and_are_counted()
    {
        var id = await CreateAsync("faulty");
        var (added, _, _) = await AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"path":"/workspaces/*","method":"GET","status":503,"count":2}""");
        Assert.Equal(HttpStatusCode.Created, added);

        var first = await SendAsync(HttpMethod.Get, $"/workspaces/{id}");
        var second = await SendAsync(HttpMethod.Get, $"/workspaces/{id}");
        var third = await SendAsync(HttpMethod.Get, $"/workspaces/{id}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.Status);
        Assert.Equal(HttpStatusCode.OK, third.Status);
        var metrics = await _client.GetStringAsync("/metrics");
        Assert.Contains("molecule_emulator_faults_injected", metrics, StringComparison.Ordinal);
    }
}

/// <summary>The A2A proxy against a real A2A-shaped server on loopback Kestrel.</summary>
public sealed class A2AProxyTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private WebApplication? _agent;
    private string _agentUrl = "";
    private readonly List<string> _received = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _traceparents = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _seen = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);

    /// <summary>A one-shot signal between a test and the agent, by name ("held:…", "next:…", "canceled:…").</summary>
    private TaskCompletionSource Signal(string name) => _signals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _agent = builder.Build();
        _agent.MapPost("/", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            lock (_received)
            {
                _received.Add(body);
            }

            _traceparents[body] = context.Request.Headers["traceparent"].ToString();

            // "hold": the agent takes the call and never answers; "stream-hold": it streams one event, a second when the
            // test says so, then nothing. Either way it signals when its call is canceled.
            if (body.Contains("hold", StringComparison.Ordinal))
            {
                var messageId = JsonDocument.Parse(body).RootElement.GetProperty("params").GetProperty("message").GetProperty("messageId").GetString()!;
                try
                {
                    if (body.Contains("stream-hold", StringComparison.Ordinal))
                    {
                        context.Response.ContentType = "text/event-stream";
                        await context.Response.WriteAsync("data: {\"n\":1}\n\n", context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        await Signal("next:" + messageId).Task.WaitAsync(context.RequestAborted);
                        await context.Response.WriteAsync("data: {\"n\":2}\n\n", context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                    }

                    Signal("held:" + messageId).TrySetResult();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    Signal("canceled:" + messageId).TrySetResult();
                }

                return;
            }

            if (body.Contains("message/stream", StringComparison.Ordinal))
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: {\"n\":1}\n\n");
                await context.Response.Body.FlushAsync();
                await Task.Delay(1500);
                await context.Response.WriteAsync("data: {\"n\":2}\n\n");
                return;
            }

            // "busy-always" never answers (the connection drops before a response); "busy-once" does so only the
            // first time a given body arrives, so a queued redelivery succeeds.
            var firstTime = _seen.TryAdd(body, true);
            if (body.Contains("busy-always", StringComparison.Ordinal) || (body.Contains("busy-once", StringComparison.Ordinal) && firstTime))
            {
                context.Abort();
                return;
            }

            if (body.Contains("explode", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("""{"error":"agent exploded"}""");
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"jsonrpc":"2.0","id":"1","result":{"kind":"message","parts":[{"kind":"text","text":"pong"}]}}""");
        });
        await _agent.StartAsync();
        _agentUrl = _agent.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }
    }

    private async Task<string> RegisterAsync(string url)
    {
        var id = Guid.NewGuid().ToString();
        using var response = await _client.PostAsync("/registry/register",
            new StringContent($$$"""{"id":"{{{id}}}","url":"{{{url}}}","agent_card":{"name":"agent"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return id;
    }

    [Fact]
    public async Task A_proxied_call_is_measured_by_its_durations_and_outcome_but_not_by_per_request_gauges()
    {
        var id = await RegisterAsync(_agentUrl);
        using var response = await _client.PostAsync($"/workspaces/{id}/a2a", new StringContent(
            """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"metered-1","role":"user","parts":[{"kind":"text","text":"hi"}]}}}""",
            Encoding.UTF8, "application/json")).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var metrics = await _client.GetStringAsync("/metrics").WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("http_server_request_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("http_client_request_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("molecule_emulator_a2a_proxy_requests", metrics, StringComparison.Ordinal);
        Assert.All(
            ["http_server_active_requests", "http_client_active_requests", "http_client_open_connections", "http_client_request_time_in_queue", "aspnetcore_routing_match_attempts"],
            uncollected => Assert.DoesNotContain(uncollected, metrics, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_callers_trace_reaches_the_agent_through_the_proxys_own_span()
    {
        var id = await RegisterAsync(_agentUrl);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7";
        const string body = """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"trace-1","role":"user","parts":[{"kind":"text","text":"traced"}]}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{id}/a2a") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{callerSpan}-01");

        using var response = await _client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Same trace, a parent of the emulator's (its server and client spans sit between caller and agent).
        var parts = _traceparents[body].Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(traceId, parts[1]);
        Assert.NotEqual(callerSpan, parts[2]);
        Assert.Matches("^[0-9a-f]{16}$", parts[2]);
    }

    [Fact]
    public async Task Forwards_and_normalises_a_non_json_rpc_body()
    {
        var id = await RegisterAsync(_agentUrl);

        using var response = await _client.PostAsync($"/workspaces/{id}/a2a",
            new StringContent("""{"method":"message/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"ping"}]}},"extra":1}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("pong", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        string forwarded;
        lock (_received)
        {
            forwarded = _received[^1];
        }

        using var document = JsonDocument.Parse(forwarded);
        Assert.Equal("2.0", document.RootElement.GetProperty("jsonrpc").GetString());
        Assert.True(document.RootElement.TryGetProperty("id", out _));
        Assert.False(document.RootElement.TryGetProperty("extra", out _));
        Assert.True(document.RootElement.GetProperty("params").GetProperty("message").TryGetProperty("messageId", out _));
    }

    [Fact]
    public async Task Streams_pass_through_as_they_arrive()
    {
        var id = await RegisterAsync(_agentUrl);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{id}/a2a")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"s"}]}}}""", Encoding.UTF8, "application/json"),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var firstAt = clock.Elapsed;
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        if (Fidelity.Strict)
        {
            // §3 row 7: the real platform reads the stream whole and sends it at the end as JSON.
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("data: {\"n\":1}", first);
            Assert.Contains("\"n\":2", rest, StringComparison.Ordinal);
            return;
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: {\"n\":1}", first);
        Assert.True(firstAt < TimeSpan.FromSeconds(1.2), $"first event after {firstAt}: buffered");
        Assert.Contains("\"n\":2", rest, StringComparison.Ordinal);
    }

    private async Task<(string Id, string Token)> RegisterWithTokenAsync(string url)
    {
        var id = Guid.NewGuid().ToString();
        using var response = await _client.PostAsync("/registry/register",
            new StringContent($$$"""{"id":"{{{id}}}","url":"{{{url}}}","agent_card":{"name":"agent"}}""", Encoding.UTF8, "application/json"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (id, body.RootElement.GetProperty("auth_token").GetString()!);
    }

    private async Task HeartbeatAsync((string Id, string Token) workspace, string extra = "")
    {
        var (status, _) = await _client.SendJsonAsync(HttpMethod.Post, "/registry/heartbeat",
            $$"""{"workspace_id":"{{workspace.Id}}","active_tasks":0{{extra}}}""", workspace.Token);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static StringContent Send(string text, string messageId) => new(
        $$$$"""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"messageId":"{{{{messageId}}}}","role":"user","parts":[{"kind":"text","text":"{{{{text}}}}"}]}}}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_busy_agent_gets_the_call_queued_202_and_the_next_heartbeat_with_capacity_delivers_it()
    {
        var workspace = await RegisterWithTokenAsync(_agentUrl);
        var messageId = Guid.NewGuid().ToString();

        using var busy = await _client.PostAsync($"/workspaces/{workspace.Id}/a2a", Send("busy-once", messageId));
        var answer = JsonDocument.Parse(await busy.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Accepted, busy.StatusCode);
        Assert.True(answer.GetProperty("queued").GetBoolean());
        Assert.True(Guid.TryParse(answer.GetProperty("queue_id").GetString(), out _));
        Assert.Equal(1, answer.GetProperty("queue_depth").GetInt32());
        Assert.Equal("workspace agent busy — request queued, will dispatch when capacity available", answer.GetProperty("message").GetString());
        int Deliveries()
        {
            lock (_received)
            {
                return _received.Count(b => b.Contains(messageId, StringComparison.Ordinal));
            }
        }

        Assert.Equal(1, Deliveries());

        await HeartbeatAsync(workspace);   // active_tasks 0 < max_concurrent_tasks 1: one item is dispatched
        var deadline = TestDeadline.In(EmulatorHttp.Timeout);
        while (Deliveries() < 2 && !deadline.Passed)
        {
            await Task.Delay(20);
        }

        Assert.Equal(2, Deliveries());
        var queue = factory.Services.GetRequiredService<Proxy.A2AQueue>();
        while (queue.Depth(Guid.Parse(workspace.Id)) > 0 && !deadline.Passed)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, queue.Depth(Guid.Parse(workspace.Id)));   // delivered, not re-queued
    }

    [Fact]
    public async Task The_queue_is_idempotent_on_message_id()
    {
        var workspace = await RegisterWithTokenAsync(_agentUrl);
        var messageId = Guid.NewGuid().ToString();

        using var first = await _client.PostAsync($"/workspaces/{workspace.Id}/a2a", Send("busy-always", messageId));
        using var second = await _client.PostAsync($"/workspaces/{workspace.Id}/a2a", Send("busy-always", messageId));

        var a = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        var b = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(a.GetProperty("queue_id").GetString(), b.GetProperty("queue_id").GetString());
        Assert.Equal(1, b.GetProperty("queue_depth").GetInt32());
    }

    [Fact]
    public async Task A_busy_agent_with_the_session_capability_gets_503_native_session()
    {
        var workspace = await RegisterWithTokenAsync(_agentUrl);
        await HeartbeatAsync(workspace, ""","runtime_metadata":{"capabilities":{"session":true}}""");

        using var busy = await _client.PostAsync($"/workspaces/{workspace.Id}/a2a", Send("busy-always", Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal("30", busy.Headers.GetValues("Retry-After").Single());
        Assert.Equal("""{"error":"workspace agent busy — adapter handles retry (native_session)","busy":true,"retry_after":30,"native_session":true}""",
            await busy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_agent_silent_past_the_callers_X_Timeout_is_busy_and_its_call_is_canceled()
    {
        var id = await RegisterAsync(_agentUrl);
        var messageId = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{id}/a2a") { Content = Send("hold", messageId) };
        request.Headers.Add("X-Timeout", "5");

        var sending = _client.SendAsync(request);
        await Signal("held:" + messageId).Task.WaitAsync(EmulatorHttp.Timeout);
        factory.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(sending.IsCompleted);
        factory.Time.Advance(TimeSpan.FromSeconds(2));
        if (Fidelity.Strict)
        {
            // §3 row 10: the real forward ignores X-Timeout, so only the idle timeout (300 s) ends the call.
            Assert.False(sending.IsCompleted);
            factory.Time.Advance(TimeSpan.FromSeconds(295));
        }

        using var response = await sending.WaitAsync(EmulatorHttp.Timeout);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);   // busy ⇒ queued for the agent's next capacity
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("queued").GetBoolean());
        await Signal("canceled:" + messageId).Task.WaitAsync(EmulatorHttp.Timeout);
    }

    [Fact]
    public async Task A_stream_silent_for_the_idle_timeout_is_cut_and_every_event_restarts_the_timeout()
    {
        var id = await RegisterAsync(_agentUrl);   // the canvas calls: no deadline, only the idle timeout (300 s)
        var messageId = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{id}/a2a")
        {
            Content = new StringContent($$$$"""{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"messageId":"{{{{messageId}}}}","role":"user","parts":[{"kind":"text","text":"stream-hold"}]}}}""",
                Encoding.UTF8, "application/json"),
        };

        if (Fidelity.Strict)
        {
            return;   // §3 row 7 reads streams whole: nothing reaches the caller per event (FidelityTests covers that shape)
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(EmulatorHttp.Timeout);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("data: {\"n\":1}", await reader.ReadLineAsync().WaitAsync(EmulatorHttp.Timeout));
        factory.Time.Advance(TimeSpan.FromSeconds(200));
        Signal("next:" + messageId).TrySetResult();   // the second event, 200 s after the first
        Assert.Equal("", await reader.ReadLineAsync().WaitAsync(EmulatorHttp.Timeout));
        Assert.Equal("data: {\"n\":2}", await reader.ReadLineAsync().WaitAsync(EmulatorHttp.Timeout));
        await Signal("held:" + messageId).Task.WaitAsync(EmulatorHttp.Timeout);
        factory.Time.Advance(TimeSpan.FromSeconds(200));   // 400 s into the call, 200 s after its last event

        Assert.False(Signal("canceled:" + messageId).Task.IsCompleted);
        factory.Time.Advance(TimeSpan.FromSeconds(101));
        await Signal("canceled:" + messageId).Task.WaitAsync(EmulatorHttp.Timeout);
        // Cut, not ended: a caller must not take the broken stream for a finished one.
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync().WaitAsync(EmulatorHttp.Timeout));
    }

    [Fact]
    public async Task Error_rows_map_as_the_contract_says()
    {
        var id = await RegisterAsync(_agentUrl);
        var dead = await RegisterAsync("http://127.0.0.1:1");

        using var agentError = await _client.PostAsync($"/workspaces/{id}/a2a", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"explode"}"""));
        using var unreachable = await _client.PostAsync($"/workspaces/{dead}/a2a", new StringContent("""{"jsonrpc":"2.0","id":1,"method":"x"}"""));
        using var unknown = await _client.PostAsync($"/workspaces/{Guid.NewGuid()}/a2a", new StringContent("not json"));
        using var notJson = await _client.PostAsync($"/workspaces/{id}/a2a", new StringContent("not json"));
        using var badCaller = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{id}/a2a") { Content = new StringContent("{}") };
        badCaller.Headers.Add("X-Workspace-ID", "system:cron");
        using var reserved = await _client.SendAsync(badCaller);

        Assert.Equal(HttpStatusCode.InternalServerError, agentError.StatusCode);
        Assert.Equal("""{"error":"agent exploded"}""", await agentError.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.StatusCode);
        Assert.Equal("""{"error":"failed to reach workspace agent"}""", await unreachable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("""{"error":"invalid JSON"}""", await notJson.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, reserved.StatusCode);
    }
}
