using Molecule.Workspace;
using Summarizer;

if (WorkspaceProbe.IsProbe(args))
{
    return await WorkspaceProbe.RunAsync();   // the container HEALTHCHECK: `Summarizer probe`
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.Configure<SummarizerOptions>(builder.Configuration.GetSection("Summarizer"));
builder.AddMoleculeWorkspace(card =>
       {
           card.Name = "Summarizer";
           card.Description = "Summarises text and text files; reverses text on request.";
           card.Skills.Add(new SkillOptions { Id = "summarize", Name = "Summarize", Description = "Keeps the sentences that carry the most weight.", Examples = ["summarize: <text>"] });
           card.Skills.Add(new SkillOptions { Id = "reverse", Name = "Reverse", Description = "Reverses the text.", Examples = ["reverse: stressed"] });
       })
       .AddAgent<SummarizerAgent>();

var app = builder.Build();
app.MapMoleculeWorkspace();
app.Run();
return 0;
