using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Molecule.AppHost.Tests;

/// <summary>The hosting integration's model, built without running it: what a team of workspaces puts on the platform.</summary>
/// <remarks>Alone in its collection: Aspire.Hosting.Testing watches every AppHost builder made in the process while another test starts one.</remarks>
[Collection(nameof(HostingModelTests))]
public sealed class HostingModelTests
{
    [Fact]
    public async Task A_team_from_one_project_gets_one_workspace_each_with_its_own_id_seeded_on_the_platform_and_children_under_the_lead()
    {
        var builder = Builder();
        var platform = builder.AddMoleculePlatform("platform");
        var lead = builder.AddProject<AgentProject>("lead").WithMoleculeWorkspace(platform, name: "Lead");
        var writers = builder.AddMoleculeWorkspaces<AgentProject>("writer", 3, platform);
        foreach (var writer in writers)
        {
            writer.WithParent(lead);
        }

        Assert.Equal(["writer-1", "writer-2", "writer-3"], writers.Select(w => w.Resource.Name));
        var ids = writers.Select(w => w.Resource.GetMoleculeWorkspaceId()).Append(lead.Resource.GetMoleculeWorkspaceId()).ToArray();
        Assert.Equal(4, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _)));

        var seeds = await EnvironmentOf(platform.Resource);
        Assert.Equal("Lead", seeds["Emulator__Seeds__0__Name"]);
        Assert.Equal(ids[3], seeds["Emulator__Seeds__0__Id"]);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal($"writer-{i}", seeds[$"Emulator__Seeds__{i}__Name"]);
            Assert.Equal(ids[3], seeds[$"Emulator__Seeds__{i}__ParentId"]);
        }

        var writerEnvironment = await EnvironmentOf(writers[0].Resource);
        Assert.Equal(ids[0], writerEnvironment["WORKSPACE_ID"]);
        Assert.Equal("writer-1", writerEnvironment["AGENT_NAME"]);
        Assert.EndsWith(Path.Combine(".molecule", "configs", ids[0]), (string)writerEnvironment["CONFIGS_DIR"], StringComparison.Ordinal);

        // The same name gives the same id on every run: the workspace keeps its token and state.
        var again = Builder();
        var second = again.AddMoleculeWorkspaces<AgentProject>("writer", 1, again.AddMoleculePlatform("platform"));
        Assert.Equal(ids[0], second[0].Resource.GetMoleculeWorkspaceId());

        Assert.Throws<InvalidOperationException>(() => writers[0].WithMoleculeWorkspace(platform));
        Assert.Throws<InvalidOperationException>(() => lead.WithParent(lead));
    }

    private static IDistributedApplicationBuilder Builder()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });
        builder.Configuration["Molecule:EmulatorDirectory"] = AppContext.BaseDirectory;   // the emulator this test project builds
        return builder;
    }

    private static async Task<Dictionary<string, object>> EnvironmentOf(IResource resource)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run));
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            try
            {
                await callback.Callback(context);
            }
            catch (InvalidOperationException)
            {
                // Callbacks that need the running app (endpoints, parameters) are not what this test reads.
            }
        }

        return context.EnvironmentVariables.ToDictionary(e => e.Key, e => e.Value);
    }

    private sealed class AgentProject : IProjectMetadata
    {
        public string ProjectPath => Repo.PathOf("samples", "Summarizer", "Summarizer.csproj");
    }
}

[CollectionDefinition(nameof(HostingModelTests), DisableParallelization = true)]
public sealed class HostingModelCollection;
