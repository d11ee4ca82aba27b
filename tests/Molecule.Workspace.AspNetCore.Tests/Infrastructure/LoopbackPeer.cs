using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Molecule.Workspace.AspNetCore.Tests.Infrastructure;

/// <summary>A peer agent on loopback Kestrel that answers every A2A 0.3 <c>message/send</c> at once with the result made of its text.</summary>
internal static class LoopbackPeer
{
    public static async Task<WebApplication> StartAsync(Func<string?, object> result)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/", async (HttpContext context) =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body);
            var text = request.RootElement.GetProperty("params").GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString();
            await context.Response.WriteAsJsonAsync(new { jsonrpc = "2.0", id = request.RootElement.GetProperty("id").Clone(), result = result(text) });
        });
        await app.StartAsync();
        return app;
    }
}
