using Molecule.PlatformEmulator;
using Molecule.PlatformEmulator.Approvals;
using Molecule.PlatformEmulator.Canvas;
using Molecule.PlatformEmulator.Emulator;
using Molecule.PlatformEmulator.Events;
using Molecule.PlatformEmulator.Organisation;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.Instructions;
using Molecule.PlatformEmulator.Memories;
using Molecule.PlatformEmulator.Proxy;
using Molecule.PlatformEmulator.Registry;
using Molecule.PlatformEmulator.Secrets;
using Molecule.PlatformEmulator.Workspaces;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddServiceDefaults();
    builder.AddPlatformEmulator();       // state, auth, events, liveness, forwarder, faults, metrics

    var app = builder.Build();

    app.UsePlatformEmulator();           // body cap, rate limit, CORS, WebSockets, fault injection, seeds, banner
    app.MapOperations();                 // /health (the contract's body), /alive, /metrics
    app.MapWorkspaces();                 // /workspaces, tokens, state, activity, test-token
    app.MapRegistry();                   // /registry/*
    app.MapEvents();                     // /events, /ws, SSE
    app.MapA2AProxy();                   // POST /workspaces/{id}/a2a
    app.MapMemoryAdmin();                // /admin/memories/export, /import
    app.MapGlobalSecrets();              // /settings/secrets, /admin/secrets
    app.MapInstructions();               // /instructions
    app.MapPendingApprovals();           // /approvals/pending
    app.MapViewport();                   // /canvas/viewport
    app.MapTemplates();                  // /templates, /org/templates
    app.MapBundles();                    // /bundles/export, /bundles/import
    app.MapEmulatorHooks(app.Services.GetRequiredService<EmulatorOptions>());
    app.MapCanvas();                     // GET / : the live canvas (static assets embedded in the assembly)

    await app.RunAsync();
    return 0;
}
catch (EmulatorConfigurationException ex)
{
    // A bad setting (RATE_LIMIT=abc, an unknown fidelity): one line that names it, not a stack trace.
    Console.Error.WriteLine($"molecule-emulator: {ex.Message}");
    return 1;
}
