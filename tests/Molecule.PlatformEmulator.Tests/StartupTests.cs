namespace Molecule.PlatformEmulator.Tests;

/// <summary>The built emulator as a process: a bad setting stops it with one line that names the setting, exit code 1.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("RATE_LIMIT", "abc", "RATE_LIMIT must be a non-negative integer; got 'abc'.")]
    [InlineData("Emulator__Fidelity", "Exact", "Emulator:Fidelity must be Compatible or Strict; got 'Exact'.")]
    [InlineData("PORT", "80a", "PORT must be a TCP port between 1 and 65535; got '80a'.")]
    public async Task A_bad_setting_is_one_line_naming_it_and_exit_code_1(string key, string value, string expected)
    {
        var environment = new Dictionary<string, string?> { ["PORT"] = TestPorts.FreeText() };
        environment[key] = value;
        await using var emulator = ChildProcess.StartDotnet("Molecule.PlatformEmulator.dll", environment);

        await emulator.WaitForExitAsync(TestTimeouts.Start);

        Assert.Equal(1, emulator.ExitCode);
        Assert.Equal($"molecule-emulator: {expected}", Assert.Single(emulator.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
