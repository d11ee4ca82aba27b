using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>
/// The emulator in-process with an admin token, quiet logs, no background sweep (tests call it) and, unless a test
/// needs real time, a <see cref="FakeTimeProvider"/>. Subclasses add the settings that make their variant.
/// </summary>
public abstract class ConfiguredEmulatorFactory(string adminToken, bool fakeTime = true) : WebApplicationFactory<Program>
{
    public string AdminToken { get; } = adminToken;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 4, 27, 11, 0, 0, TimeSpan.Zero));

    /// <summary>Settings on top of the common ones (later keys win).</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ADMIN_TOKEN", AdminToken);
        builder.UseSetting("RATE_LIMIT", "0");
        builder.UseSetting("Emulator:Liveness:SweepIntervalSeconds", "3600");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (fakeTime)
        {
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
        }
    }
}

/// <summary>The contract's defaults (Compatible fidelity), rate limiting off.</summary>
public sealed class EmulatorFactory() : ConfiguredEmulatorFactory(Token)
{
    public const string Token = "test-admin-token";
}

/// <summary>Rate limiting on (3 a minute) and the contract's 600 s provision timeout.</summary>
public sealed class LimitedEmulatorFactory() : ConfiguredEmulatorFactory(Token)
{
    public const string Token = "limited-admin-token-0123456789";

    protected override IEnumerable<(string Key, string Value)> Settings => [("RATE_LIMIT", "3")];
}

/// <summary>
/// <c>Emulator:Fidelity=Strict</c>: the real platform's quirks of contract §3. The URL policy stays Local here (the
/// tests' agents have made-up names); <see cref="UrlPolicyTests"/> cover the strict one.
/// </summary>
public sealed class StrictEmulatorFactory() : ConfiguredEmulatorFactory(Token)
{
    public const string Token = "strict-admin-token-0123456789";

    protected override IEnumerable<(string Key, string Value)> Settings => [("Emulator:Fidelity", "Strict"), ("Emulator:UrlSafety", "Local")];
}

/// <summary>On real Kestrel with real time, so faults are observed the way a client meets them: over a socket.</summary>
public sealed class KestrelEmulatorFactory : ConfiguredEmulatorFactory
{
    public const string Token = "kestrel-admin-token-0123456789";

    public KestrelEmulatorFactory()
        : base(Token, fakeTime: false)
    {
        UseKestrel(0);
    }
}
