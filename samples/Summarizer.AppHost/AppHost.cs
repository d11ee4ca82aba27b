var builder = DistributedApplication.CreateBuilder(args);

// The Molecule platform (its emulator, from the Molecule.Aspire.Hosting package) and the Summarizer as a workspace on it.
var platform = builder.AddMoleculePlatform("platform");   // on :8080; the canvas is linked from the dashboard
builder.AddProject<Projects.Summarizer>("summarizer")
       .WithMoleculeWorkspace(platform, name: "Summarizer");

builder.Build().Run();
