using YamlDotNet.RepresentationModel;

namespace Molecule.Workspace.Runtime;

/// <summary>
/// One skill from <c>config.yaml</c>: an id whose folder <c>skills/&lt;id&gt;/SKILL.md</c> holds YAML front matter
/// (<c>name</c>, <c>description</c>, <c>tags</c>, <c>examples</c>, <c>runtime</c>) and the Markdown instructions, or an
/// inline mapping (<c>id</c>, <c>name</c>, …) for a card-only skill. Skills feed the card and the system prompt.
/// </summary>
internal sealed record SkillDefinition(string Id, string Name, string Description, IReadOnlyList<string> Tags, IReadOnlyList<string> Examples, string Instructions)
{
    public static IReadOnlyList<SkillDefinition> Load(string configsDir, YamlNode? skills, List<string> warnings)
    {
        if (skills is not YamlSequenceNode list)
        {
            return [];
        }

        var loaded = new List<SkillDefinition>();
        foreach (var entry in list)
        {
            switch (entry)
            {
                case YamlScalarNode { Value: { Length: > 0 } id }:
                    if (FromFolder(configsDir, id, warnings) is { } skill)
                    {
                        loaded.Add(skill);
                    }

                    break;
                case YamlMappingNode map when map.Scalar("id") is { } id:
                    loaded.Add(new SkillDefinition(id, map.Scalar("name") ?? id, map.Scalar("description") ?? map.Scalar("name") ?? id,
                        map.List("tags"), map.List("examples"), map.Scalar("instructions") ?? ""));
                    break;
                default:
                    warnings.Add("a skills entry that is neither an id nor a mapping with an id was skipped.");
                    break;
            }
        }

        return loaded;
    }

    private static SkillDefinition? FromFolder(string configsDir, string id, List<string> warnings)
    {
        var path = ConfigFolder.Resolve(configsDir, Path.Combine("skills", id, "SKILL.md"));
        if (path is null)
        {
            warnings.Add($"skill '{id}' is not a folder name under skills/; skipped.");
            return null;
        }

        if (!File.Exists(path))
        {
            warnings.Add($"skill '{id}' has no skills/{id}/SKILL.md; it is listed on the card without instructions.");
            return new SkillDefinition(id, id, id, [], [], "");
        }

        var (frontMatter, body) = Split(File.ReadAllText(path));
        YamlMappingNode? meta = null;
        if (frontMatter is not null)
        {
            try
            {
                var yaml = new YamlStream();
                yaml.Load(new StringReader(frontMatter));
                meta = yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode as YamlMappingNode : null;
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                warnings.Add($"skills/{id}/SKILL.md has malformed front matter ({ex.Message}); loaded with empty metadata.");
            }
        }

        var runtimes = meta?.List("runtime") ?? [];
        if (runtimes.Count > 0 && !runtimes.Any(r => r is "*" or RuntimeConfig.RuntimeName))
        {
            return null;   // written for other runtimes ("runtime: [claude-code]")
        }

        var name = meta?.Scalar("name") ?? id;
        var description = meta?.Scalar("description") ?? FirstLine(body) ?? name;
        return new SkillDefinition(id, name, description, meta?.List("tags") ?? [], meta?.List("examples") ?? [], body.Trim());
    }

    /// <summary>The front matter between the leading <c>---</c> lines, and the body after it.</summary>
    private static (string? FrontMatter, string Body) Split(string text)
    {
        var normalised = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!normalised.StartsWith("---\n", StringComparison.Ordinal))
        {
            return (null, normalised);
        }

        var end = normalised.IndexOf("\n---", 3, StringComparison.Ordinal);
        if (end < 0)
        {
            return (null, normalised);
        }

        var bodyStart = normalised.IndexOf('\n', end + 4);
        return (normalised[4..end], bodyStart < 0 ? "" : normalised[(bodyStart + 1)..]);
    }

    private static string? FirstLine(string body) =>
        body.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
}
