using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Molecule.Workspace.Runtime;

/// <summary>
/// <c>CONFIGS_DIR/config.yaml</c> as the Molecule runtime reads it: the keys that change what this runtime does, the
/// skills loaded from <c>skills/&lt;id&gt;/SKILL.md</c>, and the keys it knows but does not act on (reported once at
/// start, never dropped silently). A missing file is an empty config.
/// </summary>
internal sealed record RuntimeConfig
{
    /// <summary>The name skills list in their front matter's <c>runtime</c> to be loaded here (besides <c>*</c>).</summary>
    public const string RuntimeName = "dotnet";

    public const string FileName = "config.yaml";

    /// <summary>Keys the platform reads from the volume (not the runtime): known, so never reported as ignored.</summary>
    private static readonly HashSet<string> PlatformKeys = new(StringComparer.Ordinal) { "shared_context", "tier", "runtime" };

    private static readonly HashSet<string> HonouredKeys = new(StringComparer.Ordinal)
    {
        "name", "description", "role", "version", "model", "skills", "prompt_files", "initial_prompt", "initial_prompt_file",
        "idle_prompt", "idle_prompt_file", "idle_interval_seconds", "runtime_config", "a2a",
    };

    public static RuntimeConfig Empty { get; } = new();

    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Shown to peers; the card's description when <c>description</c> is unset.</summary>
    public string? Role { get; init; }

    public string? Version { get; init; }

    /// <summary><c>model</c>, else <c>runtime_config.model</c>.</summary>
    public string? Model { get; init; }

    public IReadOnlyList<SkillDefinition> Skills { get; init; } = [];

    public IReadOnlyList<string> PromptFiles { get; init; } = [];

    public string? InitialPrompt { get; init; }

    public string? IdlePrompt { get; init; }

    public TimeSpan IdleInterval { get; init; } = TimeSpan.FromSeconds(600);

    public IReadOnlyList<string> RequiredEnv { get; init; } = [];

    /// <summary><c>a2a.port</c>: the port when <c>PORT</c> is unset.</summary>
    public int? A2APort { get; init; }

    /// <summary>Keys present in the file that this runtime does not act on (e.g. <c>plugins</c>, <c>a2a.streaming</c>).</summary>
    public IReadOnlyList<string> IgnoredKeys { get; init; } = [];

    /// <summary>Problems that do not stop the start (a prompt file or a skill missing), logged once.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Reads <paramref name="configsDir"/>/config.yaml; throws <see cref="MoleculeWorkspaceConfigurationException"/> naming the file when it is not valid YAML.</summary>
    public static RuntimeConfig Read(string configsDir)
    {
        var path = Path.Combine(configsDir, FileName);
        if (string.IsNullOrEmpty(configsDir) || !File.Exists(path))
        {
            return Empty;
        }

        YamlMappingNode root;
        try
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(path))
            {
                yaml.Load(reader);
            }

            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                return Empty;
            }

            root = mapping;
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or IOException or UnauthorizedAccessException)
        {
            throw new MoleculeWorkspaceConfigurationException($"{path} is not valid YAML: {ex.Message}");
        }

        return FromYaml(root, configsDir, path);
    }

    private static RuntimeConfig FromYaml(YamlMappingNode root, string configsDir, string path)
    {
        var warnings = new List<string>();
        var ignored = new List<string>();
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? ""))
        {
            if (!HonouredKeys.Contains(key) && !PlatformKeys.Contains(key))
            {
                ignored.Add(key);
            }
        }

        var runtimeConfig = root.Child("runtime_config") as YamlMappingNode;
        foreach (var key in runtimeConfig?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "") ?? [])
        {
            if (key is not ("required_env" or "model"))
            {
                ignored.Add($"runtime_config.{key}");
            }
        }

        var a2a = root.Child("a2a") as YamlMappingNode;
        foreach (var key in a2a?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "") ?? [])
        {
            if (key != "port")
            {
                ignored.Add($"a2a.{key}");
            }
        }

        int? port = null;
        if (a2a?.Scalar("port") is { } portText)
        {
            port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 65535
                ? value
                : throw new MoleculeWorkspaceConfigurationException($"{path}: a2a.port must be a TCP port between 1 and 65535; got '{portText}'.");
        }

        var idle = TimeSpan.FromSeconds(600);
        if (root.Scalar("idle_interval_seconds") is { } idleText)
        {
            idle = int.TryParse(idleText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1
                ? TimeSpan.FromSeconds(seconds)
                : throw new MoleculeWorkspaceConfigurationException($"{path}: idle_interval_seconds must be a whole number of seconds ≥ 1; got '{idleText}'.");
        }

        return new RuntimeConfig
        {
            Name = root.Scalar("name"),
            Description = root.Scalar("description"),
            Role = root.Scalar("role"),
            Version = root.Scalar("version"),
            Model = root.Scalar("model") ?? runtimeConfig?.Scalar("model"),
            Skills = SkillDefinition.Load(configsDir, root.Child("skills"), warnings),
            PromptFiles = root.List("prompt_files"),
            InitialPrompt = Prompt(root, "initial_prompt", configsDir, warnings),
            IdlePrompt = Prompt(root, "idle_prompt", configsDir, warnings),
            IdleInterval = idle,
            RequiredEnv = runtimeConfig?.List("required_env") ?? [],
            A2APort = port,
            IgnoredKeys = ignored,
            Warnings = warnings,
        };
    }

    /// <summary><c>key</c> inline, else the file <c>key_file</c> names (relative to the config folder).</summary>
    private static string? Prompt(YamlMappingNode root, string key, string configsDir, List<string> warnings)
    {
        if (root.Scalar(key) is { Length: > 0 } inline)
        {
            return inline;
        }

        if (root.Scalar(key + "_file") is not { Length: > 0 } file)
        {
            return null;
        }

        var path = ConfigFolder.Resolve(configsDir, file);
        if (path is null || !File.Exists(path))
        {
            warnings.Add($"{key}_file '{file}' was not found in {configsDir}; no {key.Replace('_', ' ')} is sent.");
            return null;
        }

        return File.ReadAllText(path).Trim() is { Length: > 0 } text ? text : null;
    }

    /// <summary>The configuration values the yaml supplies (lowest precedence): the card's fields and skills, and the chat model.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ConfigurationValues()
    {
        if (Name is not null)
        {
            yield return new("Agent:Name", Name);
        }

        if ((Description ?? Role) is { } description)
        {
            yield return new("Agent:Description", description);
        }

        if (Version is not null)
        {
            yield return new("Agent:Version", Version);
        }

        if (Model is not null)
        {
            yield return new("Agent:Chat:Model", Model);
        }

        for (var i = 0; i < Skills.Count; i++)
        {
            var skill = Skills[i];
            var prefix = $"Agent:Skills:{i}:";
            yield return new(prefix + "Id", skill.Id);
            yield return new(prefix + "Name", skill.Name);
            yield return new(prefix + "Description", skill.Description);
            for (var t = 0; t < skill.Tags.Count; t++)
            {
                yield return new($"{prefix}Tags:{t}", skill.Tags[t]);
            }

            for (var e = 0; e < skill.Examples.Count; e++)
            {
                yield return new($"{prefix}Examples:{e}", skill.Examples[e]);
            }
        }
    }
}

/// <summary>Reads of a YAML mapping that tolerate absent keys and wrong node kinds.</summary>
internal static class YamlNodes
{
    public static YamlNode? Child(this YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public static string? Scalar(this YamlMappingNode map, string key) =>
        map.Child(key) is YamlScalarNode { Value: { } value } && !(value.Length == 0 || value == "~" || value == "null") ? value : null;

    public static IReadOnlyList<string> List(this YamlMappingNode map, string key) => map.Child(key) switch
    {
        YamlSequenceNode items => [.. items.OfType<YamlScalarNode>().Select(i => i.Value ?? "").Where(v => v.Length > 0)],
        YamlScalarNode { Value: { Length: > 0 } single } => [single],
        _ => [],
    };
}

/// <summary>Paths inside the config folder; anything that climbs out of it is refused.</summary>
internal static class ConfigFolder
{
    public static string? Resolve(string configsDir, string relative)
    {
        if (string.IsNullOrWhiteSpace(relative) || Path.IsPathRooted(relative))
        {
            return null;
        }

        var root = Path.GetFullPath(configsDir);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        return full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }
}
