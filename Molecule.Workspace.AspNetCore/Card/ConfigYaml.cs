using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace Molecule.Workspace.Card;

/// <summary>The Molecule runtime's <c>config.yaml</c> in <c>CONFIGS_DIR</c>, as the lowest-precedence configuration source.</summary>
internal static class ConfigYaml
{
    /// <summary>
    /// Reads <c>CONFIGS_DIR/config.yaml</c> (name, description, version, skills) as the lowest-precedence source, so the
    /// real runtime's volume layout works unchanged and environment variables still win.
    /// </summary>
    public static void Add(IConfigurationManager configuration, string configsDir)
    {
        var path = Path.Combine(configsDir, "config.yaml");
        if (!File.Exists(path))
        {
            return;
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(path))
            {
                yaml.Load(reader);
            }

            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root)
            {
                foreach (var key in (string[])["name", "description", "version"])
                {
                    if (root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar)
                    {
                        values[$"Agent:{key}"] = scalar.Value;
                    }
                }

                if (root.Children.TryGetValue(new YamlScalarNode("skills"), out var skills) && skills is YamlSequenceNode list)
                {
                    var index = 0;
                    foreach (var skill in list)
                    {
                        var prefix = $"Agent:Skills:{index++}:";
                        if (skill is YamlScalarNode named)
                        {
                            values[prefix + "Id"] = named.Value;
                            continue;
                        }

                        if (skill is not YamlMappingNode map)
                        {
                            continue;
                        }

                        foreach (var (keyNode, valueNode) in map.Children)
                        {
                            var key = ((YamlScalarNode)keyNode).Value;
                            if (valueNode is YamlScalarNode value)
                            {
                                values[prefix + key] = value.Value;
                            }
                            else if (valueNode is YamlSequenceNode items)
                            {
                                var i = 0;
                                foreach (var item in items.OfType<YamlScalarNode>())
                                {
                                    values[$"{prefix}{key}:{i++}"] = item.Value;
                                }
                            }
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or IOException or InvalidCastException)
        {
            throw new MoleculeWorkspaceConfigurationException($"{path} is not valid YAML: {ex.Message}");
        }

        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };
        configuration.Sources.Insert(0, source);
    }
}
