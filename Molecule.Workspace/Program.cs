using Microsoft.Extensions.Options;
using Molecule.Workspace;
using Molecule.Workspace.Agent;
using Molecule.Workspace.ControlPlane;

if (args is [HealthProbe.Command])
{
    return await HealthProbe.RunAsync(Console.Error);
}

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddAgent();              // Agent/: card, task store, JSON-RPC handler, the configured IAgent
    builder.AddControlPlane();       // ControlPlane/: registration, heartbeat, readiness, graceful shutdown

    var app = builder.Build();

    app.MapDefaultEndpoints();       // /health (readiness, platform link), /alive
    app.MapAgentCard();              // GET /.well-known/agent-card.json (+ agent.json)
    app.MapA2A();                    // POST / (A2A 1.0 and 0.3)

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is WorkspaceConfigurationException or OptionsValidationException)
{
    Console.Error.WriteLine($"molecule-workspace: {(ex is OptionsValidationException options ? string.Join(" ", options.Failures) : ex.Message)}");
    return 1;
}
