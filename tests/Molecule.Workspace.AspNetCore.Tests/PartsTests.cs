using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>Every part reaches the agent typed (text, file by bytes or uri, data), and files and data come back as artifacts, in both A2A versions.</summary>
public sealed class PartsTests
{
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7 fake");

    [Theory]
    [InlineData("0.3")]
    [InlineData("1.0")]
    public async Task Files_and_data_reach_the_agent_typed_and_come_back_as_artifacts(string version)
    {
        var agent = new MirrorAgent();
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent(_ => agent));
        var v10 = version == "1.0";
        var message = new Dictionary<string, object?>
        {
            ["messageId"] = "m-1",
            ["role"] = v10 ? "ROLE_USER" : "user",
            ["metadata"] = new { source = "test" },
            ["parts"] = v10
                ? new object[]
                {
                    new { text = "summarise these" },
                    new { raw = Convert.ToBase64String(Pdf), mediaType = "application/pdf", filename = "q3.pdf" },
                    new { url = "https://files.example/q4.pdf", mediaType = "application/pdf", filename = "q4.pdf" },
                    new { data = new { quarter = 3, tags = new[] { "finance" }, draft = true } },
                }
                : new object[]
                {
                    new { kind = "text", text = "summarise these" },
                    new { kind = "file", file = new { bytes = Convert.ToBase64String(Pdf), mimeType = "application/pdf", name = "q3.pdf" } },
                    new { kind = "file", file = new { uri = "https://files.example/q4.pdf", mimeType = "application/pdf", name = "q4.pdf" } },
                    new { kind = "data", data = new { quarter = 3, tags = new[] { "finance" }, draft = true } },
                },
        };

        var (_, body) = await Rpc.CallAsync(host.Client, v10 ? "SendMessage" : "message/send",
            new { message, configuration = v10 ? null : new { blocking = true } }, v10 ? "1.0" : null);

        var seen = Assert.Single(agent.Requests).Message;
        Assert.Equal("summarise these", seen.Text);
        Assert.Equal("test", seen.Metadata!["source"]);
        var files = seen.Files.ToList();
        Assert.Equal(Pdf, files[0].Bytes!.Value.ToArray());
        Assert.Equal(("application/pdf", "q3.pdf"), (files[0].MediaType, files[0].Name));
        Assert.Equal(new Uri("https://files.example/q4.pdf"), files[1].Uri);
        var data = Assert.Single(seen.Data).Data;
        Assert.Equal(3L, data["quarter"]);
        Assert.Equal(true, data["draft"]);
        Assert.Equal("finance", Assert.Single((IReadOnlyList<object?>)data["tags"]!));

        // 0.3 blocking sends answer with the agent's message; 1.0 with the task. Both carry the files and data.
        var result = body.GetProperty("result");
        var parts = v10
            ? result.GetProperty("task").GetProperty("artifacts").EnumerateArray().SelectMany(a => a.GetProperty("parts").EnumerateArray()).ToList()
            : result.GetProperty("parts").EnumerateArray().ToList();
        var file = parts.Single(p => p.TryGetProperty(v10 ? "raw" : "file", out _) && (v10 ? p : p.GetProperty("file")).TryGetProperty(v10 ? "raw" : "bytes", out _));
        var inline = v10 ? file : file.GetProperty("file");
        Assert.Equal(Pdf, Convert.FromBase64String(inline.GetProperty(v10 ? "raw" : "bytes").GetString()!));
        Assert.Equal("q3-summary.pdf", inline.GetProperty(v10 ? "filename" : "name").GetString());
        var link = parts.Select(p => v10 ? p : p.TryGetProperty("file", out var f) ? f : default)
            .Single(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty(v10 ? "url" : "uri", out _));
        Assert.Equal("https://files.example/q4.pdf", link.GetProperty(v10 ? "url" : "uri").GetString());
        var echoed = parts.Single(p => p.TryGetProperty("data", out _)).GetProperty("data");
        Assert.Equal(3, echoed.GetProperty("received").GetProperty("quarter").GetInt32());
        Assert.Equal(2, echoed.GetProperty("files").GetInt32());
    }

    [Theory]
    [InlineData("""{"kind":"file","file":{"bytes":"not base64!","name":"x"}}""", "params.message.parts[0].file bytes are not valid base64")]
    [InlineData("""{"kind":"file","file":{"bytes":"AA==","uri":"https://x"}}""", "params.message.parts[0].file needs exactly one of bytes or uri")]
    [InlineData("""{"kind":"data","data":[1,2]}""", "params.message.parts[0].data must be an object")]
    public async Task Malformed_parts_are_invalid_params_naming_the_part(string part, string expected)
    {
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent(_ => new MirrorAgent()));

        var (status, body) = await Rpc.PostAsync(host.Client,
            """{"jsonrpc":"2.0","id":3,"method":"message/send","params":{"message":{"messageId":"m","role":"user","parts":[""" + part + "]}}}");

        Assert.Equal(200, status);
        Assert.Equal(-32602, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(expected, body.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>Answers with a summary file, the links it got, and a data part describing what it received.</summary>
    private sealed class MirrorAgent : IAgent
    {
        public List<AgentRequest> Requests { get; } = [];

        public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            await Task.Yield();
            yield return new AgentText("Here you go.");
            foreach (var file in request.Message.Files)
            {
                yield return file.Bytes is { } bytes
                    ? AgentArtifact.File("q3-summary.pdf", "application/pdf", bytes)
                    : new AgentArtifact([FilePart.FromUri(file.Uri!, file.MediaType, file.Name)], file.Name);
            }

            yield return AgentArtifact.Data(new Dictionary<string, object?>
            {
                ["received"] = request.Message.Data.Single().Data,
                ["files"] = request.Message.Files.Count(),
            }, "receipt");
        }
    }
}
