using Microsoft.Extensions.Options;
using Molecule.Workspace;
using Molecule.Workspace.Agents;

if (WorkspaceProbe.IsProbe(args))
{
    return await WorkspaceProbe.RunAsync();
}

try
{
    // The slim builder, plus HTTPS endpoints from configuration: JSON and environment configuration, console logging,
    // no IIS integration, host filtering or HTTP/3 — assemblies a workspace container never uses, not loaded at all.
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.UseKestrelHttpsConfiguration();

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
