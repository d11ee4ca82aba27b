using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Tests;

public sealed class LimitsAndTimersTests(LimitedEmulatorFactory factory) : IClassFixture<LimitedEmulatorFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Requests_past_the_rate_limit_get_429_with_retry_after_and_the_limit_headers()
    {
        factory.Time.Advance(TimeSpan.FromMinutes(5));   // a full bucket, whatever ran before
        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await _client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", Assert.Single(ok.Headers.GetValues("X-RateLimit-Limit")));
            remaining.Add(Assert.Single(ok.Headers.GetValues("X-RateLimit-Remaining")));
            Assert.True(long.TryParse(Assert.Single(ok.Headers.GetValues("X-RateLimit-Reset")), out _));
        }

        using var limited = await _client.GetAsync("/health");

        Assert.Equal(["2", "1", "0"], remaining);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("rate limit exceeded", body.GetProperty("error").GetString());
        var retryAfter = body.GetProperty("retry_after").GetInt32();
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), limited.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        factory.Time.Advance(TimeSpan.FromSeconds(retryAfter));
        using var again = await _client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_workspace_nobody_registers_fails_after_the_provision_timeout_with_the_contract_event()
    {
        factory.Time.Advance(TimeSpan.FromMinutes(5));
        var (status, created) = await _client.SendJsonAsync(HttpMethod.Post, "/workspaces", """{"name":"never-registers"}""", LimitedEmulatorFactory.Token);
        Assert.Equal(HttpStatusCode.Created, status);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetGuid();
        var service = factory.Services.GetRequiredService<WorkspaceService>();
        var bus = factory.Services.GetRequiredService<EventBus>();
        using var events = bus.Subscribe(e => e.WorkspaceId == id, "test");

        factory.Time.Advance(TimeSpan.FromSeconds(599));
        service.Sweep();
        Assert.Equal(WorkspaceStatus.Provisioning, service.State.Find(id)!.Status);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        service.Sweep();

        var row = service.State.Find(id)!;
        Assert.Equal(WorkspaceStatus.Failed, row.Status);
        Assert.StartsWith("provisioning timed out — ", row.LastSampleError, StringComparison.Ordinal);
        Assert.True(events.Reader.TryRead(out var failed));
        Assert.Equal("WORKSPACE_PROVISION_FAILED", failed.Type);
        Assert.Equal(600, (long)failed.Payload["timeout_secs"]!);
        Assert.Equal("provision_timeout_sweep", (string)failed.Payload["source"]!);
        Assert.True(failed.Payload.ContainsKey("error") && failed.Payload.ContainsKey("runtime"));
    }
}
