using Microsoft.Extensions.Time.Testing;

namespace Molecule.Platform.Client.Tests;

public sealed class ClientUnitTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [REDACTED:BEARER]")]
    [InlineData("OPENAI_API_KEY=sk-live-123 and more", "OPENAI_API_KEY=[REDACTED:KEY] and more")]
    [InlineData("key sk-abcdefghijklmnopqrstuv", "key [REDACTED:API_KEY]")]
    [InlineData("gh token ghp_abcdefghijklmnopqrstuvwxyz012345", "gh token [REDACTED:GITHUB_TOKEN]")]
    [InlineData("aws AKIAABCDEFGHIJKLMNOP", "aws [REDACTED:AWS_KEY]")]
    [InlineData("task 0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c stays", "task 0b5e9a4c-1f2d-4e3a-8b7c-6d5e4f3a2b1c stays")]
    public void Scrubber_redacts_secrets_and_keeps_ids(string input, string expected) => Assert.Equal(expected, SecretScrubber.Scrub(input));

    [Fact]
    public void Scrubber_catches_the_platforms_43_character_tokens()
    {
        var token = Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal("token [REDACTED:TOKEN] here", SecretScrubber.Scrub($"token {token} here"));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(7, 60)]
    [InlineData(30, 60)]
    public void Fast_backoff_doubles_to_its_cap_and_jitter_stays_in_bounds(int attempt, int ceilingSeconds)
    {
        var random = new Random(1);

        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds), Backoff.Ceiling(Backoff.Fast, attempt));
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(Backoff.Delay(Backoff.Fast, attempt, random).TotalSeconds, ceilingSeconds / 2.0, ceilingSeconds);
        }
    }

    [Fact]
    public void Heartbeat_retry_never_goes_below_one_second_nor_above_the_interval()
    {
        var random = new Random(3);
        for (var attempt = 1; attempt < 20; attempt++)
        {
            Assert.InRange(Backoff.HeartbeatRetry(TimeSpan.FromSeconds(30), attempt, random).TotalSeconds, 1, 30);
        }
    }

    [Fact]
    public void Error_rate_is_a_rolling_60_second_window()
    {
        var time = new FakeTimeProvider(Epoch);
        var window = new ErrorRateWindow(time);

        window.RecordSuccess();
        window.RecordError("upstream model timed out");
        Assert.Equal((0.5, "upstream model timed out"), window.Snapshot());

        time.Advance(TimeSpan.FromSeconds(30));
        window.RecordSuccess();
        window.RecordSuccess();
        Assert.Equal(0.25, window.Snapshot().Rate);

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal((0.0, ""), window.Snapshot());

        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal((0.0, ""), window.Snapshot());
    }

    [Fact]
    public void Token_store_writes_atomically_with_mode_0600_and_only_on_change()
    {
        var dir = Path.Combine(Path.GetTempPath(), "molecule-token-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new TokenStore(dir);
            Assert.Null(store.Current);

            store.Save("  first-token \n");
            var path = Path.Combine(dir, TokenStore.FileName);
            Assert.Equal("first-token", File.ReadAllText(path));
            var written = File.GetLastWriteTimeUtc(path);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            }

            store.Save("first-token");
            Assert.Equal(written, File.GetLastWriteTimeUtc(path));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

            File.WriteAllText(path, "rotated");
            Assert.True(store.Reload());
            Assert.Equal("rotated", new TokenStore(dir).Current);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
