using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>
/// An A2A-shaped agent on loopback Kestrel: answers <c>message/send</c> with a Message whose text is made from the
/// first text part it received. Served on <c>/</c> and <c>/a2a</c>, as the workspace SDK serves A2A.
/// </summary>
internal sealed class LoopbackAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackAgent(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public static async Task<LoopbackAgent> StartAsync(Func<string?, string> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        RequestDelegate handle = async context =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body);
            var text = request.RootElement.GetProperty("params").GetProperty("message").GetProperty("parts")[0].GetProperty("text").GetString();
            await context.Response.WriteAsJsonAsync(new
            {
                jsonrpc = "2.0",
                id = request.RootElement.GetProperty("id").Clone(),
                result = new { kind = "message", role = "agent", messageId = "r1", parts = new[] { new { kind = "text", text = answer(text) } } },
            });
        };
        app.MapPost("/", handle);
        app.MapPost("/a2a", handle);
        await app.StartAsync();
        return new LoopbackAgent(app);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
