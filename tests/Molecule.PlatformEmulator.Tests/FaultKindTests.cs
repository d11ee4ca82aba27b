using System.Diagnostics;
using System.Net;

namespace Molecule.PlatformEmulator.Tests;

public sealed class FaultKindTests : IClassFixture<KestrelEmulatorFactory>
{
    private readonly KestrelEmulatorFactory _factory;
    private readonly HttpClient _client;

    public FaultKindTests(KestrelEmulatorFactory factory)
    {
        _factory = factory;
        factory.StartServer();
        _client = factory.CreateClient();
        _client.Timeout = TimeSpan.FromSeconds(30);
    }

    private async Task<string> AddFaultAsync(string json)
    {
        var (status, body) = await _client.SendJsonAsync(HttpMethod.Post, "/_emulator/faults", json, KestrelEmulatorFactory.Token);
        Assert.True(status == HttpStatusCode.Created, body);
        return body;
    }

    private static string Path(string name) => $"/workspaces/{Guid.NewGuid()}/{name}";

    [Fact]
    public async Task The_client_is_a_real_socket_client()
    {
        Assert.StartsWith("http://127.0.0.1:", _client.BaseAddress!.ToString(), StringComparison.Ordinal);
        using var health = await _client.GetAsync("/health").WaitAsync(EmulatorHttp.Timeout);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotNull(_factory.Services);
    }

    [Fact]
    public async Task A_status_fault_answers_the_status_and_body_it_was_given()
    {
        await AddFaultAsync("""{"path":"/health","method":"GET","kind":"status","status":502,"body":{"error":"bad gateway (injected)"},"count":1}""");

        using var faulted = await _client.GetAsync("/health").WaitAsync(EmulatorHttp.Timeout);
        Assert.Equal(HttpStatusCode.BadGateway, faulted.StatusCode);
        Assert.Equal("""{"error":"bad gateway (injected)"}""", await faulted.Content.ReadAsStringAsync());
        using var after = await _client.GetAsync("/health").WaitAsync(EmulatorHttp.Timeout);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_latency_fault_delays_the_real_answer()
    {
        await AddFaultAsync("""{"path":"/alive","method":"GET","kind":"latency","latency_ms":800,"count":1}""");

        var clock = Stopwatch.StartNew();
        using var slow = await _client.GetAsync("/alive").WaitAsync(EmulatorHttp.Timeout);
        var elapsed = clock.Elapsed;

        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(750), $"answered after {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_reset_fault_breaks_the_connection_before_any_answer()
    {
        var path = Path("reset-probe");
        await AddFaultAsync($$"""{"path":"{{path}}","method":"GET","kind":"reset","count":1}""");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => _client.GetAsync(path).WaitAsync(EmulatorHttp.Timeout));
        Assert.Null(error.StatusCode);   // no HTTP answer at all
    }

    [Fact]
    public async Task A_hang_fault_never_answers_until_the_client_gives_up()
    {
        var path = Path("hang-probe");
        await AddFaultAsync($$"""{"path":"{{path}}","method":"GET","kind":"hang","count":1}""");

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.GetAsync(path, patience.Token));
    }
}
