using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Tests;

public sealed class FidelityTests(StrictEmulatorFactory factory) : IClassFixture<StrictEmulatorFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? body = null, string? bearer = null) =>
        _client.SendJsonAsync(method, path, body, bearer);

    private static string Register(string id, string url = "http://agent.example:8000") =>
        $$$"""{"id":"{{{id}}}","url":"{{{url}}}","agent_card":{"name":"strict"}}""";

    [Fact]
    public async Task An_external_create_without_url_answers_awaiting_agent_but_the_row_stays_provisioning()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/workspaces", """{"name":"ext","external":true}""", StrictEmulatorFactory.Token);

        Assert.Equal(HttpStatusCode.Created, status);
        using var created = JsonDocument.Parse(body);
        Assert.Equal("awaiting_agent", created.RootElement.GetProperty("status").GetString());
        var id = created.RootElement.GetProperty("id").GetString();
        using var row = JsonDocument.Parse((await SendAsync(HttpMethod.Get, $"/workspaces/{id}")).Body);
        Assert.Equal("provisioning", row.RootElement.GetProperty("status").GetString());
        Assert.Equal("langgraph", row.RootElement.GetProperty("runtime").GetString());
    }

    [Fact]
    public async Task Registry_calls_for_unknown_and_removed_workspaces_succeed_as_on_the_real_platform()
    {
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal((HttpStatusCode.OK, """{"status":"ok"}"""), await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{unknown}}"}"""));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "/registry/update-card", $$$"""{"workspace_id":"{{{unknown}}}","agent_card":{"name":"x"}}""")).Status);

        var id = Guid.NewGuid().ToString();
        var first = await SendAsync(HttpMethod.Post, "/registry/register", Register(id));
        var token = JsonDocument.Parse(first.Body).RootElement.GetProperty("auth_token").GetString();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"/workspaces/{id}", bearer: StrictEmulatorFactory.Token)).Status);

        var again = await SendAsync(HttpMethod.Post, "/registry/register", Register(id));
        Assert.Equal(HttpStatusCode.OK, again.Status);
        var useless = JsonDocument.Parse(again.Body).RootElement.GetProperty("auth_token").GetString()!;
        Assert.Equal(43, useless.Length);
        Assert.NotEqual(token, useless);
        Assert.Equal("removed", JsonDocument.Parse((await SendAsync(HttpMethod.Get, $"/workspaces/{id}")).Body).RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, $"/workspaces/{id}/state", bearer: useless)).Status);   // it never validates
    }

    [Theory]
    [InlineData("/registry/register", """{"id":"not-a-uuid","url":"http://agent.example:8000","agent_card":{}}""", "registration failed")]
    [InlineData("/registry/heartbeat", """{"workspace_id":"not-a-uuid"}""", "failed to update")]
    [InlineData("/registry/update-card", """{"workspace_id":"not-a-uuid","agent_card":{}}""", "failed to update card")]
    [InlineData("/workspaces/not-a-uuid/a2a", """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{}}""", "lookup failed")]
    public async Task Datastore_errors_leak_as_500_with_the_real_texts(string path, string body, string error)
    {
        var (status, text) = await SendAsync(HttpMethod.Post, path, body);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal($$"""{"error":"{{error}}"}""", text);
    }

    [Fact]
    public async Task Create_with_an_unknown_parent_is_a_500()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/workspaces", $$"""{"name":"orphan","parent_id":"{{Guid.NewGuid()}}"}""", StrictEmulatorFactory.Token);

        Assert.Equal((HttpStatusCode.InternalServerError, """{"error":"failed to create workspace"}"""), (status, text));
    }

    [Fact]
    public async Task A_wedged_heartbeat_over_the_threshold_emits_two_degraded_events()
    {
        var id = Guid.NewGuid();
        var token = JsonDocument.Parse((await SendAsync(HttpMethod.Post, "/registry/register", Register(id.ToString()))).Body).RootElement.GetProperty("auth_token").GetString();
        using var events = factory.Services.GetRequiredService<EventBus>().Subscribe(e => e.WorkspaceId == id && e.Type == "WORKSPACE_DEGRADED", "test");

        await SendAsync(HttpMethod.Post, "/registry/heartbeat", $$"""{"workspace_id":"{{id}}","error_rate":0.9,"runtime_state":"wedged","sample_error":"stuck"}""", token);

        Assert.True(events.Reader.TryRead(out var first));
        Assert.True(events.Reader.TryRead(out var second));
        Assert.Equal("wedged", (string)first.Payload["runtime_state"]!);
        Assert.Equal(0.9, (double)second.Payload["error_rate"]!);
    }

    [Fact]
    public async Task Register_keeps_a_stored_loopback_url_and_errors_carry_no_detail()
    {
        var id = Guid.NewGuid().ToString();
        var token = JsonDocument.Parse((await SendAsync(HttpMethod.Post, "/registry/register", Register(id, "http://127.0.0.1:8000"))).Body).RootElement.GetProperty("auth_token").GetString();

        await SendAsync(HttpMethod.Post, "/registry/register", Register(id, "http://agent.example:9000"), token);
        Assert.Equal("http://127.0.0.1:8000", JsonDocument.Parse((await SendAsync(HttpMethod.Get, $"/workspaces/{id}")).Body).RootElement.GetProperty("url").GetString());

        var unsafeUrl = await SendAsync(HttpMethod.Post, "/registry/register", Register(Guid.NewGuid().ToString(), "http://169.254.169.254/latest"));
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid request body"}"""), unsafeUrl);
    }

    private async Task<(string Id, string Token)> CreatedAndRegisteredAsync(string name, string? parent = null)
    {
        var created = await SendAsync(HttpMethod.Post, "/workspaces",
            parent is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","parent_id":"{{parent}}"}""", StrictEmulatorFactory.Token);
        var id = JsonDocument.Parse(created.Body).RootElement.GetProperty("id").GetString()!;
        var registered = await SendAsync(HttpMethod.Post, "/registry/register", Register(id, $"http://{name}.example:8000"));
        return (id, JsonDocument.Parse(registered.Body).RootElement.GetProperty("auth_token").GetString()!);
    }

    private string StatusOf(string id) => factory.Services.GetRequiredService<WorkspaceService>().State.Find(Guid.Parse(id))!.Status;

    [Fact]
    public async Task Liveness_is_one_shot_only_register_arms_it_and_after_one_expiry_it_never_fires_again()
    {
        var service = factory.Services.GetRequiredService<WorkspaceService>();
        var (id, token) = await CreatedAndRegisteredAsync("one-shot");
        var beat = $$"""{"workspace_id":"{{id}}","error_rate":0}""";

        factory.Time.Advance(TimeSpan.FromSeconds(181));
        service.Sweep();
        Assert.Equal("offline", StatusOf(id));                       // the deadline register armed expired

        await SendAsync(HttpMethod.Post, "/registry/heartbeat", beat, token);
        Assert.Equal("online", StatusOf(id));
        factory.Time.Advance(TimeSpan.FromHours(2));
        service.Sweep();
        Assert.Equal("online", StatusOf(id));                        // heartbeats never re-arm a disarmed deadline
    }

    [Fact]
    public async Task Discover_uses_the_registered_url_for_five_minutes_then_the_synthesised_one()
    {
        var parent = await CreatedAndRegisteredAsync("cache-parent");
        var child = await CreatedAndRegisteredAsync("cache-child", parent.Id);

        async Task<string> DiscoverAsync()
        {
            var (status, body) = await _client.SendJsonAsync(HttpMethod.Get, $"/registry/discover/{parent.Id}", bearer: child.Token, workspaceId: child.Id);
            Assert.True(status == HttpStatusCode.OK, body);
            return JsonDocument.Parse(body).RootElement.GetProperty("url").GetString()!;
        }

        Assert.Equal("http://cache-parent.example:8000", await DiscoverAsync());
        factory.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal($"http://ws-{parent.Id[..12]}:8000", await DiscoverAsync());
    }

    [Fact]
    public async Task Streamed_answers_arrive_buffered_in_one_piece_labelled_json_and_big_a2a_bodies_are_truncated()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var agent = builder.Build();
        agent.MapPost("/", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"n\":1}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(200);
            await context.Response.WriteAsync("data: {\"n\":2}\n\n");
        });
        await agent.StartAsync();
        var id = Guid.NewGuid().ToString();
        await SendAsync(HttpMethod.Post, "/registry/register", Register(id, agent.Urls.First()));

        using var streamed = await _client.PostAsync($"/workspaces/{id}/a2a", new StringContent(
            """{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"messageId":"m","role":"user","parts":[]}}}""", Encoding.UTF8, "application/json"));
        Assert.Equal("application/json", streamed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data: {\"n\":1}\n\ndata: {\"n\":2}\n\n", await streamed.Content.ReadAsStringAsync());

        var big = $$$"""{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"padding":"{{{new string('x', 1_500_000)}}}"}}""";
        var (status, body) = await SendAsync(HttpMethod.Post, $"/workspaces/{id}/a2a", big);
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid JSON"}"""), (status, body));   // cut at 1 MiB, then unparseable
        var (created, _) = await SendAsync(HttpMethod.Post, "/workspaces", $$"""{"name":"big","role":"{{new string('r', 1_500_000)}}"}""", StrictEmulatorFactory.Token);
        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, created);                           // no cap elsewhere
    }

    [Fact]
    public void Explicit_quirk_keys_win_over_the_fidelity_and_bad_values_fail_at_start()
    {
        static EmulatorOptions Load(params (string Key, string Value)[] settings) => EmulatorOptions.Load(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

        var compatible = Load();
        Assert.False(compatible.Strict);
        Assert.Null(compatible.LoopbackRewriteHost);
        Assert.False(compatible.Quirks.DatastoreErrorsAs500);

        var strict = Load(("Emulator:Fidelity", "Strict"), ("Emulator:Quirks:DatastoreErrorsAs500", "false"));
        Assert.Equal("host.docker.internal", strict.LoopbackRewriteHost);
        Assert.True(strict.Quirks.AcceptRegistryCallsForRemoved);
        Assert.False(strict.Quirks.DatastoreErrorsAs500);
        Assert.False(strict.IncludeDetail);

        Assert.Contains("OneShotLiveness", Assert.Throws<EmulatorConfigurationException>(() => Load(("Emulator:Quirks:OneShotLiveness", "yes"))).Message, StringComparison.Ordinal);
        Assert.Equal("Strict", strict.UrlSafety);
        Assert.Contains("UrlSafety", Assert.Throws<EmulatorConfigurationException>(() => Load(("Emulator:UrlSafety", "Paranoid"))).Message, StringComparison.Ordinal);
        Assert.Contains("Fidelity", Assert.Throws<EmulatorConfigurationException>(() => Load(("Emulator:Fidelity", "Exact"))).Message, StringComparison.Ordinal);
    }
}

/// <summary>The URL policies of contract §3 row 4, Local and the real platform's Strict rules.</summary>
public sealed class UrlPolicyTests
{
    private static Registry.UrlPolicy Policy(string safety, bool devMode = false) => new(EmulatorOptions.Load(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Emulator:UrlSafety"] = safety,
            ["MOLECULE_ENV"] = devMode ? "development" : null,
        }).Build()), TimeProvider.System);

    [Theory]
    [InlineData("http://localhost:8000", true)]            // the literal name skips the lookup
    [InlineData("http://8.8.8.8:8000", true)]
    [InlineData("http://127.0.0.1:8000", false)]           // loopback
    [InlineData("http://10.1.2.3:8000", false)]            // RFC 1918
    [InlineData("http://172.20.0.1:8000", false)]
    [InlineData("http://192.168.1.10:8000", false)]
    [InlineData("http://169.254.169.254/latest", false)]   // metadata
    [InlineData("http://100.64.0.1", false)]               // CGNAT
    [InlineData("http://192.0.2.1", false)]                // TEST-NET-1
    [InlineData("http://224.0.0.1", false)]                // multicast
    [InlineData("http://[fd00::1]:8000", false)]           // ULA
    [InlineData("http://[fc00::1]:8000", false)]
    [InlineData("http://no-such-host.invalid:8000", false)] // unresolvable
    [InlineData("ftp://8.8.8.8/", false)]
    public async Task Strict_registration_follows_the_real_rules(string url, bool allowed) =>
        Assert.Equal(allowed, await Policy("Strict").AllowsRegistrationAsync(url, CancellationToken.None));

    [Theory]
    [InlineData("http://localhost:8000", false, true)]     // resolved like any name: loopback, dev mode only
    [InlineData("http://10.0.0.5:8000", false, true)]      // RFC 1918: dev mode only
    [InlineData("http://169.254.169.254/", false, false)]  // never
    [InlineData("http://8.8.8.8/", true, true)]
    public async Task Strict_forwarding_lets_loopback_and_private_through_only_in_dev_mode(string url, bool outsideDev, bool inDev)
    {
        Assert.Equal(outsideDev, await Policy("Strict").AllowsForwardingAsync(url, CancellationToken.None));
        Assert.Equal(inDev, await Policy("Strict", devMode: true).AllowsForwardingAsync(url, CancellationToken.None));
    }

    [Theory]
    [InlineData("http://localhost:8000", true)]
    [InlineData("http://127.0.0.1:8000", true)]
    [InlineData("http://ws-5f1b7c9e2d4a:8000", true)]      // container names: no lookup
    [InlineData("http://10.0.0.5:8000", true)]
    [InlineData("http://169.254.169.254/latest", false)]
    [InlineData("http://[fe80::1]:8000", false)]
    public async Task Local_allows_what_local_development_needs_and_refuses_metadata(string url, bool allowed)
    {
        Assert.Equal(allowed, await Policy("Local").AllowsRegistrationAsync(url, CancellationToken.None));
        Assert.Equal(allowed, await Policy("Local").AllowsForwardingAsync(url, CancellationToken.None));
    }
}
