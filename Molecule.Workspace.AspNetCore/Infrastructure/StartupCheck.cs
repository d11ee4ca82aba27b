using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Runtime;

namespace Molecule.Workspace.Infrastructure;

/// <summary>Every workspace setting checked before the app serves anything, all failures in one line.</summary>
internal static partial class StartupCheck
{
    public static void Run(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<MoleculeWorkspaceOptions>(services, failures);
        Check<AgentOptions>(services, failures);
        Check<TaskStoreOptions>(services, failures);
        Check<DelegationResultsOptions>(services, failures);
        if (services.GetService<IConfigureOptions<ChatAgentOptions>>() is not null)
        {
            Check<ChatAgentOptions>(services, failures);
        }

        if (failures.Count == 0)
        {
            try
            {
                if (services.GetService<IAgent>() is null)
                {
                    failures.Add("No agent is registered: call AddMoleculeWorkspace().AddAgent<TAgent>(), .AddChatAgent() or .AddAIAgent(...).");
                }
            }
            catch (MoleculeWorkspaceConfigurationException ex)
            {
                failures.Add(ex.Message);
            }
            catch (OptionsValidationException ex)
            {
                failures.AddRange(ex.Failures);
            }
        }

        if (services.GetService<RuntimeConfigSource>() is { } runtime)
        {
            var configuration = services.GetRequiredService<IConfiguration>();
            var missing = runtime.Current.RequiredEnv.Where(name => string.IsNullOrEmpty(configuration[name])).ToArray();
            if (missing.Length > 0)
            {
                failures.Add($"config.yaml runtime_config.required_env names {string.Join(", ", missing)}, which {(missing.Length == 1 ? "is" : "are")} not set: " +
                    "set them in the environment or as the workspace's secrets on the platform.");
            }
        }

        if (failures.Count > 0)
        {
            throw new MoleculeWorkspaceConfigurationException(string.Join(" ", failures));
        }

        Report(services);
    }

    /// <summary>What the runtime read at start and does not act on, once, so nothing in config.yaml is dropped silently.</summary>
    private static void Report(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Molecule.Workspace.Runtime");
        if (services.GetService<RuntimeConfigSource>() is { } runtime)
        {
            var config = runtime.Current;
            if (config.IgnoredKeys.Count > 0)
            {
                LogIgnoredKeys(logger, Path.Combine(runtime.ConfigsDir, RuntimeConfig.FileName), string.Join(", ", config.IgnoredKeys));
            }

            foreach (var warning in config.Warnings)
            {
                LogConfigWarning(logger, warning);
            }
        }

        if (services.GetService<PlatformSecretsConfiguration>() is { } secrets)
        {
            LogSecrets(logger, secrets.Outcome);
        }
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "{Path}: this runtime ignores the keys {Keys}")]
    private static partial void LogIgnoredKeys(ILogger logger, string path, string keys);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "config.yaml: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 52, Level = LogLevel.Information, Message = "Platform secrets: {Outcome}")]
    private static partial void LogSecrets(ILogger logger, string outcome);

    private static void Check<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceProvider services, List<string> failures)
        where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }
}
