using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Molecule.Platform.Client.Tests;

public sealed class HeartbeatLoopTests : IDisposable
{
    private const string WorkspaceId = "7a1c2e3d-4b5f-4a6e-9d8c-1b2a3c4d5e6f";
    private static readonly string Token = new('T', 43);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly StubPlatform _platform = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("molecule-loop-").FullName;

    public void Dispose()
    {
        _platform.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private HeartbeatLoop CreateLoop(bool register = true) => new("http://platform.test:8080", WorkspaceId, new HeartbeatLoopOptions
    {
        Tokens = new TokenStore(_dir),
        Interval = TimeSpan.FromSeconds(30),
        HttpClient = new HttpClient(_platform),
        TimeProvider = _time,
        Random = new Random(42),
        Registration = register ? new RegistrationInfo("http://agent.test:8000", () => """{"name":"a","url":"http://agent.test:8000/"}""") : null,
    });

    private async Task<RecordedRequest> NextAsync() => await _platform.Requests.Reader.ReadAsync().AsTask().DefaultTimeout();

    /// <summary>
    /// Waits until <paramref name="loop"/> has armed its next timer (the one due at <paramref name="at"/>, when given)
    /// and returns when it is due. Time only moves once the loop is really waiting, so no advance can fall between a
    /// response and the schedule it sets.
    /// </summary>
    private async Task<DateTimeOffset> IdleUntilAsync(HeartbeatLoop loop, DateTimeOffset? at = null)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Short);
        while (true)
        {
            if (loop.Status.NextContactAt is { } next && next > _time.GetUtcNow() && (at is null || next == at))
            {
                return next;
            }

            await Task.Delay(1, timeout.Token);
        }
    }

    /// <summary>Moves fake time straight to each timer the loop arms until it sends its next request.</summary>
    private async Task<RecordedRequest> AdvanceUntilRequestAsync(HeartbeatLoop loop)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Short);
        while (true)
        {
            if (_platform.Requests.Reader.TryRead(out var request))
            {
                return request;
            }

            if (loop.Status.NextContactAt is { } next && next > _time.GetUtcNow())
            {
                _time.Advance(next - _time.GetUtcNow());
            }
            else
            {
                await Task.Delay(1, timeout.Token);
            }
        }
    }

    [Fact]
    public async Task Heartbeats_declare_the_runtimes_capabilities_and_a_wedged_agent_until_it_recovers_and_each_beat_is_announced()
    {
        _platform.Respond = _ => StubPlatform.Json(200, """{"status":"ok"}""");
        new TokenStore(_dir).Save(Token);
        await using var loop = new HeartbeatLoop("http://platform.test:8080", WorkspaceId, new HeartbeatLoopOptions
        {
            Tokens = new TokenStore(_dir),
            HttpClient = new HttpClient(_platform),
            TimeProvider = _time,
            Random = new Random(42),
            RuntimeMetadata = new RuntimeMetadata(new Dictionary<string, bool> { ["heartbeat"] = true, ["session"] = false }, IdleTimeoutSeconds: 120),
        });
        var announced = 0;
        var firstAnnounced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.HeartbeatSucceeded += (_, _) =>
        {
            Interlocked.Increment(ref announced);
            firstAnnounced.TrySetResult();
        };
        loop.ReportWedged("stuck on the model call, key sk-abcdefghijklmnopqrstuvwxyz012345");

        loop.Start();
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await NextAsync()).Path);   // the state is read before each beat
        var wedged = await NextAsync();
        Assert.Matches("""^\{"workspace_id":"[0-9a-f-]{36}","error_rate":0,"sample_error":"stuck on the model call, key \[REDACTED:API_KEY\]","active_tasks":0,"current_task":"","uptime_seconds":0,"runtime_state":"wedged","runtime_metadata":\{"capabilities":\{"heartbeat":true,"session":false\},"idle_timeout_seconds":120\}\}$""", wedged.Body);
        // The beat is announced once its answer is in, which is after the stub saw it.
        await firstAnnounced.Task.DefaultTimeout();
        Assert.Equal(1, Volatile.Read(ref announced));

        // An extra beat as soon as the out-of-band spacing allows (one second after the last), without the state.
        var lastBeat = _time.GetUtcNow();
        loop.ClearWedged();
        await IdleUntilAsync(loop, at: lastBeat + TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        var recovered = await NextAsync();
        Assert.Equal("/registry/heartbeat", recovered.Path);
        Assert.DoesNotContain("runtime_state", recovered.Body, StringComparison.Ordinal);
        Assert.Contains("\"sample_error\":\"\"", recovered.Body, StringComparison.Ordinal);
        Assert.False(loop.IsWedged);
    }

    [Fact]
    public async Task A_workspace_the_platform_resumes_or_restarts_registers_again_so_the_platform_has_its_url_back()
    {
        var status = "online";
        _platform.Respond = r => r.Path switch
        {
            "/registry/register" => Registered(),
            $"/workspaces/{WorkspaceId}/state" => StubPlatform.Json(200, $$"""{"workspace_id":"{{WorkspaceId}}","status":"{{Volatile.Read(ref status)}}","paused":{{(Volatile.Read(ref status) == "paused" ? "true" : "false")}},"deleted":false}"""),
            _ => StubPlatform.Json(200, """{"status":"ok"}"""),
        };
        await using var loop = CreateLoop();
        loop.Start();
        Assert.Equal("/registry/register", (await NextAsync()).Path);
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await NextAsync()).Path);
        Assert.Equal("/registry/heartbeat", (await NextAsync()).Path);
        await IdleUntilAsync(loop);

        // Paused: nothing but the poll and the beat.
        Volatile.Write(ref status, "paused");
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await AdvanceUntilRequestAsync(loop)).Path);
        Assert.Equal("/registry/heartbeat", (await NextAsync()).Path);
        await IdleUntilAsync(loop);
        Assert.True(loop.Status.Paused);

        // Resumed: the platform cleared its URL and says `provisioning` until the next heartbeat would move it online,
        // so the poll before that beat sees it and the workspace registers again instead.
        Volatile.Write(ref status, "provisioning");
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await AdvanceUntilRequestAsync(loop)).Path);
        var again = await NextAsync();
        Assert.Equal("/registry/register", again.Path);
        Assert.Contains("\"url\":\"http://agent.test:8000\"", again.Body, StringComparison.Ordinal);
        Assert.Equal($"Bearer {Token}", again.Authorization);
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await NextAsync()).Path);
        Assert.Equal("/registry/heartbeat", (await NextAsync()).Path);
        await IdleUntilAsync(loop);
        Assert.False(loop.Status.Paused);
        Assert.True(loop.Status.IsHealthy);

        // A restart a while later (never paused): the same.
        Volatile.Write(ref status, "provisioning");
        Assert.Equal($"/workspaces/{WorkspaceId}/state", (await AdvanceUntilRequestAsync(loop)).Path);
        Assert.Equal("/registry/register", (await NextAsync()).Path);

        HttpResponseMessage Registered()
        {
            Volatile.Write(ref status, "online");   // a registration sets the URL and `online` from any state
            return StubPlatform.Json(200, $$"""{"status":"registered","auth_token":"{{Token}}"}""");
        }
    }

    [Fact]
    public async Task A_platform_that_keeps_saying_provisioning_gets_one_registration_an_interval_not_a_spinning_loop()
    {
        _platform.Respond = r => r.Path switch
        {
            "/registry/register" => StubPlatform.Json(200, $$"""{"status":"registered","auth_token":"{{Token}}"}"""),
            $"/workspaces/{WorkspaceId}/state" => StubPlatform.Json(200, $$"""{"workspace_id":"{{WorkspaceId}}","status":"provisioning","paused":false,"deleted":false}"""),
            _ => StubPlatform.Json(200, """{"status":"ok"}"""),
        };
        await using var loop = CreateLoop();
        var start = _time.GetUtcNow();
        loop.Start();

        var paths = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            paths.Add((await NextAsync()).Path);
        }

        // The poll right after that registration still says provisioning: the loop beats instead of registering again,
        // then waits out the interval; the next interval's poll registers once more.
        var state = $"/workspaces/{WorkspaceId}/state";
        Assert.Equal(["/registry/register", state, "/registry/register", state, "/registry/heartbeat"], paths);
        Assert.Equal(start + TimeSpan.FromSeconds(30), await IdleUntilAsync(loop));
        Assert.False(_platform.Requests.Reader.TryRead(out _));
        Assert.Equal(state, (await AdvanceUntilRequestAsync(loop)).Path);
        Assert.Equal("/registry/register", (await NextAsync()).Path);
        Assert.Equal(state, (await NextAsync()).Path);
        Assert.Equal("/registry/heartbeat", (await NextAsync()).Path);
    }

    [Fact]
    public async Task Registers_then_heartbeats_with_the_contract_body_and_saves_the_first_token()
    {
        _platform.Respond = r => r.Path == "/registry/register"
            ? StubPlatform.Json(200, $$"""{"status":"registered","auth_token":"{{Token}}"}""")
            : StubPlatform.Json(200, """{"status":"ok"}""");
        await using var loop = CreateLoop();
        loop.ActiveTasks = 2;
        loop.CurrentTask = "Summarise Q3";

        loop.Start();
        var register = await NextAsync();
        var state = await NextAsync();
        var heartbeat = await NextAsync();

        Assert.Equal("/registry/register", register.Path);
        using var registerBody = JsonDocument.Parse(register.Body);
        Assert.Equal(WorkspaceId, registerBody.RootElement.GetProperty("id").GetString());
        Assert.Equal("http://agent.test:8000", registerBody.RootElement.GetProperty("url").GetString());
        Assert.Equal("a", registerBody.RootElement.GetProperty("agent_card").GetProperty("name").GetString());
        Assert.Null(register.Authorization);
        Assert.Equal(WorkspaceId, register.WorkspaceHeader);

        Assert.Equal("/registry/heartbeat", heartbeat.Path);
        Assert.Equal($"Bearer {Token}", heartbeat.Authorization);
        Assert.Matches("""^\{"workspace_id":"[0-9a-f-]{36}","error_rate":0,"sample_error":"","active_tasks":2,"current_task":"Summarise Q3","uptime_seconds":0\}$""", heartbeat.Body);
        Assert.Equal(Token, File.ReadAllText(Path.Combine(_dir, TokenStore.FileName)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, TokenStore.FileName)));
        }

        Assert.Equal($"/workspaces/{WorkspaceId}/state", state.Path);
        Assert.Equal($"Bearer {Token}", state.Authorization);
        await IdleUntilAsync(loop);
        Assert.True(loop.Status.IsHealthy);
    }

    [Fact]
    public async Task Next_heartbeat_comes_exactly_one_interval_later()
    {
        await using var loop = CreateLoop(register: false);
        var start = _time.GetUtcNow();
        loop.Start();
        await NextAsync();

        var next = await IdleUntilAsync(loop);
        Assert.Equal(start + TimeSpan.FromSeconds(30), next);
        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        Assert.False(_platform.Requests.Reader.TryRead(out _));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("/registry/heartbeat", (await NextAsync()).Path);
    }

    [Fact]
    public async Task Unreachable_platform_is_retried_with_capped_backoff_never_a_tight_loop()
    {
        var attempts = new List<DateTimeOffset>();
        _platform.Respond = r =>
        {
            if (r.Path == "/registry/register")
            {
                attempts.Add(_time.GetUtcNow());
            }

            return StubPlatform.Json(503, """{"error":"down"}""");
        };
        await using var loop = CreateLoop();
        loop.Start();

        for (var i = 0; i < 8; i++)
        {
            RecordedRequest request;
            do
            {
                request = await AdvanceUntilRequestAsync(loop);
            }
            while (request.Path != "/registry/register");
        }

        for (var n = 1; n < attempts.Count; n++)
        {
            var gap = attempts[n] - attempts[n - 1];
            var ceiling = Backoff.Ceiling(Backoff.Fast, n);
            Assert.InRange(gap, ceiling / 2, ceiling);
        }

        Assert.Equal(PlatformLinkState.Unreachable, loop.Status.State);
        Assert.Contains("platform unreachable", loop.Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_after_is_honoured_on_429()
    {
        var first = true;
        DateTimeOffset? second = null;
        _platform.Respond = r =>
        {
            if (r.Path != "/registry/register")
            {
                return StubPlatform.Json(200, """{"status":"ok"}""");
            }

            if (first)
            {
                first = false;
                return StubPlatform.Json(429, """{"error":"rate limit exceeded","retry_after":20}""", TimeSpan.FromSeconds(20));
            }

            second ??= _time.GetUtcNow();
            return StubPlatform.Json(200, """{"status":"registered"}""");
        };
        await using var loop = CreateLoop();
        var start = _time.GetUtcNow();
        loop.Start();

        while (second is null)
        {
            await AdvanceUntilRequestAsync(loop);
        }

        Assert.True(second - start >= TimeSpan.FromSeconds(20), $"retried after {second - start}");
    }

    [Fact]
    public async Task Heartbeat_404_re_registers_at_once_and_adopts_the_new_token()
    {
        var lost = false;
        var registrations = 0;
        _platform.Respond = r => r.Path switch
        {
            "/registry/register" => StubPlatform.Json(200, ++registrations == 1 ? """{"status":"registered"}""" : $$"""{"status":"registered","auth_token":"{{Token}}"}"""),
            "/registry/heartbeat" when !lost => Lose(),
            "/registry/heartbeat" => StubPlatform.Json(404, """{"error":"workspace not found"}"""),
            _ => StubPlatform.Json(200, $$"""{"workspace_id":"{{WorkspaceId}}","status":"online","paused":false,"deleted":false}"""),
        };
        await using var loop = CreateLoop();
        loop.Start();

        var paths = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            paths.Add((await NextAsync()).Path);
        }

        Assert.Equal(["/registry/register", "/registry/heartbeat", "/registry/register", $"/workspaces/{WorkspaceId}/state"], paths);
        Assert.Equal(Token, loop.Tokens.Current);
        Assert.True(loop.Status.IsHealthy);

        HttpResponseMessage Lose()
        {
            lost = true;
            return StubPlatform.Json(404, """{"error":"workspace not found"}""");
        }
    }

    [Fact]
    public async Task A_401_without_any_token_says_the_platform_already_issued_one()
    {
        _platform.Respond = _ => StubPlatform.Json(401, """{"error":"missing workspace auth token"}""");
        await using var loop = CreateLoop();
        loop.Start();

        Assert.Null((await NextAsync()).Authorization);
        await IdleUntilAsync(loop);

        Assert.Equal(PlatformLinkState.Unauthorized, loop.Status.State);
        Assert.StartsWith("no token: the platform already issued one", loop.Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_token_is_re_read_from_disk_before_giving_up()
    {
        File.WriteAllText(Path.Combine(_dir, TokenStore.FileName), "old-token");
        var rotated = new string('R', 43);
        _platform.Respond = r => r.Authorization == $"Bearer {rotated}"
            ? StubPlatform.Json(200, """{"status":"registered"}""")
            : StubPlatform.Json(401, """{"error":"invalid workspace auth token"}""");
        await using var loop = CreateLoop();
        loop.Start();

        var refused = await NextAsync();
        Assert.Equal("Bearer old-token", refused.Authorization);
        File.WriteAllText(Path.Combine(_dir, TokenStore.FileName), rotated);
        RecordedRequest next;
        do
        {
            next = await AdvanceUntilRequestAsync(loop);
        }
        while (next.Authorization != $"Bearer {rotated}");

        Assert.Equal($"Bearer {rotated}", next.Authorization);
    }

    [Fact]
    public async Task Deletion_is_detected_when_state_answers_404_after_a_confirming_re_registration()
    {
        File.WriteAllText(Path.Combine(_dir, TokenStore.FileName), Token);
        _platform.Respond = r => r.Path switch
        {
            "/registry/register" => StubPlatform.Json(200, """{"status":"registered"}"""),
            "/registry/heartbeat" => StubPlatform.Json(200, """{"status":"ok"}"""),
            _ => StubPlatform.Json(404, $$"""{"workspace_id":"{{WorkspaceId}}","status":"removed","deleted":true}"""),
        };
        await using var loop = CreateLoop();
        loop.Start();

        await loop.Deleted.WaitAsync(TestTimeouts.Short);

        Assert.Equal(PlatformLinkState.Deleted, loop.Status.State);
        Assert.Equal("workspace deleted on the platform", loop.Status.Reason);
    }

    [Fact]
    public async Task Stop_with_a_final_heartbeat_sends_exactly_one_more_beat()
    {
        await using var loop = CreateLoop(register: false);
        loop.Start();
        await NextAsync();

        loop.ActiveTasks = 1;
        await loop.StopAsync(sendFinalHeartbeat: true).DefaultTimeout();

        var final = await NextAsync();
        Assert.Equal("/registry/heartbeat", final.Path);
        Assert.Contains("\"active_tasks\":1", final.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_change_sends_an_extra_heartbeat_with_real_values()
    {
        await using var loop = CreateLoop(register: false);
        loop.Start();
        await NextAsync();
        await IdleUntilAsync(loop);   // the first beat's answer is in: the change comes two seconds after it
        _time.Advance(TimeSpan.FromSeconds(2));

        loop.CurrentTask = "new work";
        loop.ActiveTasks = 1;
        loop.RecordError("boom");
        loop.NotifyTaskChanged();

        var extra = await NextAsync();
        Assert.Contains("\"current_task\":\"new work\"", extra.Body, StringComparison.Ordinal);
        Assert.Contains("\"error_rate\":1", extra.Body, StringComparison.Ordinal);
        Assert.Contains("\"sample_error\":\"boom\"", extra.Body, StringComparison.Ordinal);
    }
}
