using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Molecule.Workspace.Runtime;

/// <summary>
/// <c>config.yaml</c> (and its skills) as the lowest-precedence configuration source, so the real runtime's volume
/// layout works unchanged and environment variables still win. Edits to the file or a <c>SKILL.md</c> are picked up
/// while the workspace runs (the card is then re-sent to the platform); an edit that breaks the YAML keeps the last good
/// values. Registered in DI, where <see cref="Current"/> is what the file says now.
/// </summary>
internal sealed class RuntimeConfigSource : IConfigurationSource
{
    private RuntimeConfigSource(string configsDir, RuntimeConfig initial)
    {
        ConfigsDir = configsDir;
        Current = initial;
    }

    public string ConfigsDir { get; }

    /// <summary>What the file said when last read successfully.</summary>
    public RuntimeConfig Current { get; internal set; }

    /// <summary>The last reload's error (the file was not valid YAML), or null.</summary>
    public string? ReloadError { get; internal set; }

    /// <summary>Reads <c>config.yaml</c> now (an invalid file stops the start with one line) and inserts it below every other source.</summary>
    public static RuntimeConfigSource Add(IConfigurationBuilder configuration, string configsDir)
    {
        var source = new RuntimeConfigSource(configsDir, RuntimeConfig.Read(configsDir));
        configuration.Sources.Insert(0, source);
        return source;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new RuntimeConfigProvider(this);
}

internal sealed class RuntimeConfigProvider : ConfigurationProvider, IDisposable
{
    private readonly RuntimeConfigSource _source;
    private readonly PhysicalFileProvider? _files;
    private readonly IDisposable? _watch;

    public RuntimeConfigProvider(RuntimeConfigSource source)
    {
        _source = source;
        Set(source.Current);
        if (source.Current != RuntimeConfig.Empty && Directory.Exists(source.ConfigsDir))
        {
            _files = new PhysicalFileProvider(source.ConfigsDir);
            _watch = ChangeToken.OnChange(
                () => new CompositeChangeToken([_files.Watch(RuntimeConfig.FileName), _files.Watch("skills/**/SKILL.md")]),
                Reload);
        }
    }

    public override void Load()
    {
        // Read when the source is made and on every change of the files.
    }

    public void Dispose()
    {
        _watch?.Dispose();
        _files?.Dispose();
    }

    private void Reload()
    {
        try
        {
            var config = RuntimeConfig.Read(_source.ConfigsDir);
            _source.Current = config;
            _source.ReloadError = null;
            Set(config);
            OnReload();
        }
        catch (MoleculeWorkspaceConfigurationException ex)
        {
            _source.ReloadError = ex.Message;
        }
    }

    private void Set(RuntimeConfig config) =>
        Data = new Dictionary<string, string?>(config.ConfigurationValues(), StringComparer.OrdinalIgnoreCase);
}
