using Microsoft.Extensions.Options;
using Molecule.Workspace;
using Molecule.Workspace.Agents;

if (WorkspaceProbe.IsProbe(args))
{
    return await WorkspaceProbe.RunAsync();
}

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddMoleculeWorkspace()   // card, A2A, task store, registration, heartbeat, graceful shutdown
           .AddBuiltInAgent();       // AGENT_KIND: echo (default) or chat

    var app = builder.Build();

    app.MapDefaultEndpoints();       // /health (readiness, platform link), /alive
    app.MapMoleculeWorkspace();      // GET /.well-known/agent-card.json (+ agent.json), POST / (A2A 1.0 and 0.3)

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is MoleculeWorkspaceConfigurationException or OptionsValidationException)
{
    Console.Error.WriteLine($"molecule-workspace: {(ex is OptionsValidationException options ? string.Join(" ", options.Failures) : ex.Message)}");
    return 1;
}
