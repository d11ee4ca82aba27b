using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Molecule.AppHost;

/// <summary>
/// AppHost arguments under <c>Molecule:</c> (e.g. <c>--Molecule:Workspaces=3</c>): how many workspaces, project or
/// container mode, ids, the timers tests shorten, and whether the sample agent runs too.
/// </summary>
public sealed record MoleculeSettings(
    int Workspaces,
    bool ContainerMode,
    (string Name, string Tag)? WorkspaceImage,
    string BaseImage,
    Guid WorkspaceId,
    int PlatformPort,
    int RateLimit,
    TimeSpan HeartbeatInterval,
    TimeSpan LivenessTtl,
    TimeSpan SweepInterval,
    TimeSpan ExternalStaleAfter,
    string ConfigsRoot,
    bool Sample = false,
    string? DataDir = null,
    Uri? ExistingPlatform = null)
{
    /// <summary>The id the sample agent (samples/Summarizer) has on the emulator.</summary>
    public const string SampleWorkspaceId = "5f1b7c9e-2d4a-4c8b-9e6f-0000000000aa";

    public static readonly Guid DefaultWorkspaceId = Guid.Parse("5f1b7c9e-2d4a-4c8b-9e6f-000000000001");

    /// <param name="configuration">The AppHost's configuration.</param>
    /// <param name="appHostDirectory">
    /// Where the AppHost's own state lives by default (<c>.molecule/</c> under it): the emulator's data folder and the
    /// workspaces' config folders, kept together so a workspace's token and the platform's record of it survive together.
    /// </param>
    public static MoleculeSettings From(IConfiguration configuration, string? appHostDirectory = null)
    {
        var state = appHostDirectory is null ? Path.Combine(Path.GetTempPath(), "molecule-aspire") : Path.Combine(appHostDirectory, ".molecule");
        var section = configuration.GetSection("Molecule");
        var mode = section["WorkspaceMode"] ?? "project";
        if (mode is not ("project" or "container"))
        {
            throw new InvalidOperationException($"Molecule:WorkspaceMode must be 'project' or 'container'; got '{mode}'.");
        }

        var count = Int(section, "Workspaces", 1, 1, 50);
        var id = section["WorkspaceId"] is { Length: > 0 } text
            ? Guid.TryParse(text, out var parsed) ? parsed : throw new InvalidOperationException($"Molecule:WorkspaceId must be a UUID; got '{text}'.")
            : DefaultWorkspaceId;

        return new MoleculeSettings(
            count,
            mode == "container",
            section["WorkspaceImage"] is { Length: > 0 } image ? SplitImage(image) : null,
            section["BaseImage"] is { Length: > 0 } baseImage ? baseImage : "mcr.microsoft.com/dotnet/runtime-deps:10.0",
            id,
            Int(section, "PlatformPort", 8080, 1, 65535),
            Int(section, "RateLimit", 0, 0, 1_000_000),
            Duration(section, "HeartbeatInterval", TimeSpan.FromSeconds(30)),
            Duration(section, "LivenessTtl", TimeSpan.FromSeconds(180)),
            Duration(section, "SweepInterval", TimeSpan.FromSeconds(15)),
            Duration(section, "ExternalStaleAfter", TimeSpan.FromSeconds(90)),
            section["ConfigsRoot"] is { Length: > 0 } root ? root : Path.Combine(state, "configs"),
            Bool(section, "Sample"),
            // Molecule:DataDir="" keeps the emulator's state in memory only.
            section["DataDir"] is { } dataDir ? (dataDir.Length == 0 ? null : dataDir) : appHostDirectory is null ? null : Path.Combine(state, "emulator"),
            // Molecule:ExistingPlatform=https://… uses that platform instead of the emulator (the admin token: Parameters:admin-token).
            section["ExistingPlatform"] is { Length: > 0 } existing
                ? Uri.TryCreate(existing, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                    ? url
                    : throw new InvalidOperationException($"Molecule:ExistingPlatform must be the absolute http(s) URL of a Molecule platform; got '{existing}'.")
                : null);
    }

    /// <summary>"registry/name:tag" into name and tag (tag "latest" when absent; a registry port is not a tag).</summary>
    private static (string Name, string Tag) SplitImage(string image)
    {
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>The first workspace has <see cref="WorkspaceId"/>; the others count up in the last group.</summary>
    public string WorkspaceIdAt(int index)
    {
        var bytes = WorkspaceId.ToByteArray(bigEndian: true);
        var last = BitConverter.ToUInt32([bytes[15], bytes[14], bytes[13], bytes[12]]) + (uint)index;
        var counted = BitConverter.GetBytes(last);
        (bytes[12], bytes[13], bytes[14], bytes[15]) = (counted[3], counted[2], counted[1], counted[0]);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    private static int Int(IConfiguration section, string key, int fallback, int min, int max) =>
        section[key] is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new InvalidOperationException($"Molecule:{key} must be an integer between {min} and {max}; got '{text}'.")
            : fallback;

    private static bool Bool(IConfiguration section, string key) =>
        section[key] is { Length: > 0 } text
            ? bool.TryParse(text, out var value) ? value : throw new InvalidOperationException($"Molecule:{key} must be true or false; got '{text}'.")
            : false;

    private static TimeSpan Duration(IConfiguration section, string key, TimeSpan fallback) =>
        section[key] is { Length: > 0 } text
            ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
                ? value
                : throw new InvalidOperationException($"Molecule:{key} must be a positive duration such as 00:00:30; got '{text}'.")
            : fallback;
}
