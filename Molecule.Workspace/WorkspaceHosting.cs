namespace Molecule.Workspace;

public static class WorkspaceHosting
{
    /// <summary>Loads and validates <see cref="WorkspaceSettings"/> once per builder, and registers them.</summary>
    public static WorkspaceSettings GetWorkspaceSettings(this IHostApplicationBuilder builder)
    {
        if (builder.Properties.TryGetValue(typeof(WorkspaceSettings), out var cached))
        {
            return (WorkspaceSettings)cached;
        }

        var settings = WorkspaceSettings.Load(builder.Configuration);
        builder.Properties[typeof(WorkspaceSettings)] = settings;
        builder.Services.AddSingleton(settings);

        // PORT wins; without it, ASP.NET Core's own URL settings apply (tests, the AppHost), else the guide's 8000.
        if (settings.Port is { } port)
        {
            builder.Configuration["urls"] = $"http://*:{port}";
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]) &&
                 string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_HTTP_PORTS"]))
        {
            builder.Configuration["urls"] = $"http://*:{WorkspaceSettings.DefaultPort}";
        }

        return settings;
    }
}
