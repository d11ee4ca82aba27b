using System.Globalization;

namespace Molecule.PlatformEmulator;

/// <summary>
/// The emulator's settings: the real platform's variable names where one exists (<c>ADMIN_TOKEN</c>,
/// <c>MOLECULE_ENV</c>, <c>RATE_LIMIT</c>, …) and everything emulator-specific under <c>Emulator:</c>.
/// Resolved once at start; durations in seconds may be fractional so tests can shorten them.
/// </summary>
public sealed class EmulatorOptions
{
    public string? AdminToken { get; init; }

    public string? Environment { get; init; }

    public bool EnableTestTokens { get; init; }

    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    public bool CorsOriginsSet { get; init; }

    /// <summary>Requests per minute per client IP; 0 turns limiting off.</summary>
    public int RateLimit { get; init; } = 600;

    public string? ExternalPlatformUrl { get; init; }

    public TimeSpan LivenessTtl { get; init; } = TimeSpan.FromSeconds(180);

    public TimeSpan ExternalStaleAfter { get; init; } = TimeSpan.FromSeconds(90);

    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan ProvisionTimeout { get; init; } = TimeSpan.FromSeconds(600);

    public TimeSpan A2AIdleTimeout { get; init; } = TimeSpan.FromSeconds(300);

    public bool TestHooks { get; init; } = true;

    /// <summary>Where state survives restarts (<c>Emulator:DataDir</c>); null keeps everything in memory only.</summary>
    public string? DataDir { get; init; }

    /// <summary>How often changed state is saved to <see cref="DataDir"/> (<c>Emulator:Persistence:SnapshotSeconds</c>, default 2).</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether the MCP bridge offers <c>send_message_to_user</c> (<c>MOLECULE_MCP_ALLOW_SEND_MESSAGE</c>): on under
    /// Compatible so agents can reach the user, off under Strict as on the real platform; an explicit setting wins.
    /// </summary>
    public bool McpAllowSendMessage { get; init; } = true;

    /// <summary><c>Local</c> (default): http/https + host, no DNS, link-local/metadata literals refused; <c>Strict</c>: the real rules (<see cref="Registry.UrlPolicy"/>).</summary>
    public string UrlSafety { get; init; } = "Local";

    public bool AllowTokenlessUpdateCard { get; init; }

    public bool RequireCanvasAuth { get; init; }

    /// <summary>Discover rewrites loopback hosts of external targets to this host (§3 row 15); null: no rewrite.</summary>
    public string? LoopbackRewriteHost { get; init; }

    /// <summary><c>Compatible</c> (default) or <c>Strict</c>: every quirk of §3 on, the real URL policy, no <c>detail</c> fields.</summary>
    public bool Strict { get; init; }

    public EmulatorQuirks Quirks { get; init; } = new();

    /// <summary>Error bodies carry a <c>detail</c> field (the emulator's explanations); Strict drops them.</summary>
    public bool IncludeDetail => !Strict;

    /// <summary>The contract's 1 MiB request cap.</summary>
    public const int BodyCap = 1024 * 1024;

    /// <summary>Largest request body any route reads: the cap, or no cap under §3 row 9's quirk (Kestrel's own limit then).</summary>
    public int MaxBodyBytes => Quirks.TruncateOversizedRequests ? int.MaxValue - 1 : BodyCap;

    public IReadOnlyList<SeedWorkspace> Seeds { get; init; } = [];

    public bool IsDevMode => string.IsNullOrEmpty(AdminToken) &&
        (string.Equals(Environment, "development", StringComparison.OrdinalIgnoreCase) || string.Equals(Environment, "dev", StringComparison.OrdinalIgnoreCase));

    public bool TestTokensEnabled => EnableTestTokens || Environment != "production";

    public static EmulatorOptions Load(IConfiguration configuration)
    {
        var cors = configuration["CORS_ORIGINS"];
        var fidelity = configuration["Emulator:Fidelity"] is { Length: > 0 } f ? f : "Compatible";
        if (!fidelity.Equals("Compatible", StringComparison.OrdinalIgnoreCase) && !fidelity.Equals("Strict", StringComparison.OrdinalIgnoreCase))
        {
            throw new EmulatorConfigurationException($"Emulator:Fidelity must be Compatible or Strict; got '{fidelity}'.");
        }

        var strict = fidelity.Equals("Strict", StringComparison.OrdinalIgnoreCase);
        var seeds = new List<SeedWorkspace>();
        foreach (var seed in configuration.GetSection("Emulator:Seeds").GetChildren())
        {
            var id = seed["Id"];
            if (!Guid.TryParse(id, out var guid))
            {
                throw new EmulatorConfigurationException($"Emulator:Seeds:{seed.Key}:Id must be a UUID; got '{id}'.");
            }

            Guid? parent = null;
            if (seed["ParentId"] is { Length: > 0 } parentText)
            {
                parent = Guid.TryParse(parentText, out var p) ? p : throw new EmulatorConfigurationException($"Emulator:Seeds:{seed.Key}:ParentId must be a UUID; got '{parentText}'.");
            }

            seeds.Add(new SeedWorkspace(guid, seed["Name"] is { Length: > 0 } name ? name : $"workspace-{guid.ToString()[..8]}",
                seed["Role"], parent, seed["Runtime"] is { Length: > 0 } runtime ? runtime : "external", seed["Url"]));
        }

        return new EmulatorOptions
        {
            AdminToken = configuration["ADMIN_TOKEN"] is { Length: > 0 } admin ? admin : null,
            Environment = configuration["MOLECULE_ENV"],
            EnableTestTokens = configuration["MOLECULE_ENABLE_TEST_TOKENS"] == "1",
            CorsOriginsSet = !string.IsNullOrWhiteSpace(cors),
            CorsOrigins = (string.IsNullOrWhiteSpace(cors) ? "http://localhost:3000,http://localhost:3001" : cors)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            RateLimit = Int(configuration, "RATE_LIMIT", 600),
            ExternalPlatformUrl = configuration["EXTERNAL_PLATFORM_URL"] is { Length: > 0 } external ? external.TrimEnd('/') : null,
            LivenessTtl = Seconds(configuration, "Emulator:Liveness:TtlSeconds", 180),
            ExternalStaleAfter = GoDuration(configuration, "REMOTE_LIVENESS_STALE_AFTER", 90),
            SweepInterval = Seconds(configuration, "Emulator:Liveness:SweepIntervalSeconds", 15),
            ProvisionTimeout = Seconds(configuration, "PROVISION_TIMEOUT_SECONDS", 600),
            A2AIdleTimeout = Seconds(configuration, "A2A_IDLE_TIMEOUT_SECONDS", 300),
            TestHooks = !string.Equals(configuration["Emulator:TestHooks"], "false", StringComparison.OrdinalIgnoreCase),
            DataDir = configuration["Emulator:DataDir"] is { Length: > 0 } dataDir ? Path.GetFullPath(dataDir) : null,
            SnapshotInterval = Seconds(configuration, "Emulator:Persistence:SnapshotSeconds", 2),
            McpAllowSendMessage = configuration["MOLECULE_MCP_ALLOW_SEND_MESSAGE"] is { Length: > 0 } allow
                ? string.Equals(allow, "true", StringComparison.OrdinalIgnoreCase)
                : !strict,
            UrlSafety = configuration["Emulator:UrlSafety"] switch
            {
                null or "" => strict ? "Strict" : "Local",
                var safety when safety.Equals("Local", StringComparison.OrdinalIgnoreCase) => "Local",
                var safety when safety.Equals("Strict", StringComparison.OrdinalIgnoreCase) => "Strict",
                var safety => throw new EmulatorConfigurationException($"Emulator:UrlSafety must be Local or Strict; got '{safety}'."),
            },
            Strict = strict,
            Quirks = EmulatorQuirks.Load(configuration, strict),
            AllowTokenlessUpdateCard = string.Equals(configuration["Emulator:Registry:AllowTokenlessUpdateCard"], "true", StringComparison.OrdinalIgnoreCase),
            RequireCanvasAuth = string.Equals(configuration["Emulator:A2A:RequireCanvasAuth"], "true", StringComparison.OrdinalIgnoreCase),
            LoopbackRewriteHost = configuration["Emulator:Discovery:LoopbackRewriteHost"] is { } rewrite
                ? (rewrite.Length == 0 ? null : rewrite)
                : strict ? "host.docker.internal" : null,
            Seeds = seeds,
        };
    }

    private static int Int(IConfiguration configuration, string key, int fallback) =>
        configuration[key] is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value
                : throw new EmulatorConfigurationException($"{key} must be a non-negative integer; got '{text}'.")
            : fallback;

    private static TimeSpan Seconds(IConfiguration configuration, string key, double fallback) =>
        configuration[key] is { Length: > 0 } text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
                ? TimeSpan.FromSeconds(value)
                : throw new EmulatorConfigurationException($"{key} must be a positive number of seconds; got '{text}'.")
            : TimeSpan.FromSeconds(fallback);

    /// <summary>Seconds (<c>90</c>) or a Go duration (<c>90s</c>, <c>1m30s</c>, <c>500ms</c>).</summary>
    private static TimeSpan GoDuration(IConfiguration configuration, string key, double fallback)
    {
        if (configuration[key] is not { Length: > 0 } text)
        {
            return TimeSpan.FromSeconds(fallback);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var total = TimeSpan.Zero;
        var matches = System.Text.RegularExpressions.Regex.Matches(text, @"(\d+(?:\.\d+)?)(ms|h|m|s)");
        if (matches.Sum(m => m.Length) != text.Length || matches.Count == 0)
        {
            throw new EmulatorConfigurationException($"{key} must be seconds or a Go duration such as 90s; got '{text}'.");
        }

        foreach (System.Text.RegularExpressions.Match match in matches)
        {
            var n = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            total += match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }

        return total;
    }
}

/// <summary>A workspace that exists from the start (and again after <c>/_emulator/reset</c>).</summary>
public sealed record SeedWorkspace(Guid Id, string Name, string? Role, Guid? ParentId, string Runtime, string? Url);

/// <summary>An emulator setting is missing or invalid; the message names it and its value. The program prints it as one line and exits 1.</summary>
public sealed class EmulatorConfigurationException(string message) : InvalidOperationException(message);
