using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Molecule.Workspace.Infrastructure;

/// <summary>Every workspace setting checked before the app serves anything, all failures in one line.</summary>
internal static class StartupCheck
{
    public static void Run(IServiceProvider services)
    {
        var failures = new List<string>();
        Check<MoleculeWorkspaceOptions>(services, failures);
        Check<AgentOptions>(services, failures);
        Check<TaskStoreOptions>(services, failures);
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

        if (failures.Count > 0)
        {
            throw new MoleculeWorkspaceConfigurationException(string.Join(" ", failures));
        }
    }

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
