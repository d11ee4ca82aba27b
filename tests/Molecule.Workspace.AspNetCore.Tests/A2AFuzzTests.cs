using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Molecule.Testing.Fuzz;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// Bad input never crashes a request: at least 10,000 generated requests per run (FUZZ_ITERATIONS overrides) from the
/// real shapes of every A2A method in both versions, mutated as a broken client would, with header variants, against
/// the library on real Kestrel. No 5xx, a well-formed JSON-RPC answer every time, no hang, and a task created before
/// the run is unchanged after it. Seeded (FUZZ_SEED replays a run); a failure prints the seed and the request.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class A2AFuzzTests
{
    private static readonly string[] Versions = ["", "1.0", "0.3", "0.3.0", "1", "2.0", "v1;q=0", " 1.0 "];

    private static readonly (string Method, string Version, string Params)[] Shapes =
    [
        ("message/send", "0.3", """{"message":{"kind":"message","messageId":"m1","role":"user","parts":[{"kind":"text","text":"hi"},{"kind":"data","data":{"a":1}},{"kind":"file","file":{"bytes":"aGk=","mimeType":"text/plain","name":"a.txt"}}],"contextId":"c1","metadata":{"k":"v"}},"configuration":{"blocking":true,"historyLength":2}}"""),
        ("message/stream", "0.3", """{"message":{"kind":"message","messageId":"m2","role":"user","parts":[{"kind":"text","text":"stream"}]}}"""),
        ("tasks/get", "0.3", """{"id":"TASK","historyLength":1}"""),
        ("tasks/cancel", "0.3", """{"id":"TASK"}"""),
        ("tasks/resubscribe", "0.3", """{"id":"TASK"}"""),
        ("tasks/pushNotificationConfig/set", "0.3", """{"taskId":"TASK","pushNotificationConfig":{"url":"https://example.invalid"}}"""),
        ("agent/getAuthenticatedExtendedCard", "0.3", "{}"),
        ("SendMessage", "1.0", """{"message":{"messageId":"m3","role":"ROLE_USER","parts":[{"text":"hi"},{"raw":"aGk=","mediaType":"text/plain","filename":"a.txt"},{"url":"https://x.invalid/f"},{"data":{"b":[1,2]}}],"referenceTaskIds":["TASK"]},"configuration":{"returnImmediately":false,"historyLength":0}}"""),
        ("SendStreamingMessage", "1.0", """{"message":{"messageId":"m4","role":"ROLE_USER","parts":[{"text":"stream"}]}}"""),
        ("GetTask", "1.0", """{"id":"TASK","historyLength":5}"""),
        ("CancelTask", "1.0", """{"id":"TASK"}"""),
        ("SubscribeToTask", "1.0", """{"id":"TASK"}"""),
        ("ListTasks", "1.0", """{"contextId":"c1","status":"TASK_STATE_COMPLETED","pageSize":10,"pageToken":"","historyLength":1,"includeArtifacts":true,"statusTimestampAfter":"2026-01-01T00:00:00Z"}"""),
        ("GetExtendedAgentCard", "1.0", "{}"),
        ("CreateTaskPushNotificationConfig", "1.0", """{"taskId":"TASK","pushNotificationConfig":{"url":"https://example.invalid"}}"""),
    ];

    [Fact]
    public async Task Ten_thousand_broken_requests_get_well_formed_answers_and_leave_stored_tasks_intact()
    {
        await using var host = await WorkspaceHost.StartAsync(w => w.AddAgent<QuickAgent>(),
            new Dictionary<string, string?> { ["Agent:Tasks:Capacity"] = "1000000" }, kestrel: true);
        host.Client.Timeout = TimeSpan.FromSeconds(15);
        var (_, sent) = await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("the sentinel") }, "1.0");
        var sentinel = sent.GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        var before = await GetTaskAsync(host.Client, sentinel);

        var gen = Gen.Select(Gen.Int[0, Shapes.Length - 1], Gen.Int[0, 4], Gen.Int, Gen.Int[0, Versions.Length + 1], Gen.Int[0, 5])
            .Select((shape, mutations, seed, version, header) => Build(shape, mutations, seed, version, header, sentinel));
        await gen.SampleAsync(request => SendAndCheckAsync(host.Client, request),
            iter: Fuzz.Iterations, seed: Fuzz.Seed, threads: 4, print: r => r.ToString(), writeLine: Console.WriteLine);

        Assert.Equal(before, await GetTaskAsync(host.Client, sentinel));
    }

    private static FuzzRequest Build(int shape, int mutations, int seed, int version, int header, string sentinel)
    {
        var random = new Random(seed);
        var (method, shapeVersion, parameters) = Shapes[shape];
        var envelope = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = random.Next(3) switch { 0 => "req-" + seed.ToString(CultureInfo.InvariantCulture), 1 => seed, _ => null },
            ["method"] = method,
            ["params"] = JsonNode.Parse(parameters.Replace("TASK", random.Next(2) == 0 ? sentinel : new string('t', 300), StringComparison.Ordinal)),
        };
        var body = mutations == 0 ? JsonMutator.Serialize(envelope) : JsonMutator.Mutate(envelope, random, mutations);
        var headers = new List<(string, string)>
        {
            ("A2A-Version", version < Versions.Length ? Versions[version] : shapeVersion == "1.0" ? "1.0" : ""),
            ("Content-Type", header == 1 ? "text/plain" : "application/json"),
        };
        if (header == 2)
        {
            headers.Add(("Last-Event-ID", random.Next(2) == 0 ? "-1" : "99999999999999999999999"));
        }
        else if (header == 3)
        {
            headers.Add(("Accept", "text/event-stream"));
        }

        headers.RemoveAll(h => h.Item1 == "A2A-Version" && h.Item2.Length == 0);
        return new FuzzRequest($"{method} ({mutations} mutations, seed {seed})", HttpMethod.Post, header == 4 ? "/a2a" : "/", headers, body);
    }

    private static async Task SendAndCheckAsync(HttpClient client, FuzzRequest request)
    {
        using var message = request.ToMessage();
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"HTTP {status}: {text}");
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).ToList();
            Assert.True(events.Count > 0, $"an empty stream: {text}");
            foreach (var data in events)
            {
                CheckEnvelope(data[6..], status);
            }

            return;
        }

        CheckEnvelope(text, status);
    }

    /// <summary>A JSON-RPC 2.0 response: exactly one of result and error, and an error has an integer code and a message.</summary>
    private static void CheckEnvelope(string text, int status)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        var hasResult = root.TryGetProperty("result", out _);
        var hasError = root.TryGetProperty("error", out var error);
        Assert.True(hasResult != hasError, $"neither or both of result and error: {text}");
        if (hasError)
        {
            Assert.True(error.GetProperty("code").TryGetInt32(out _), text);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), text);
        }
        else
        {
            Assert.True(status == 200, $"a result with HTTP {status}: {text}");
        }
    }

    private static async Task<string> GetTaskAsync(HttpClient client, string id)
    {
        var (_, body) = await Rpc.CallAsync(client, "GetTask", new { id }, "1.0");
        return body.GetProperty("result").GetRawText();
    }

    /// <summary>Answers at once, so every stream ends and nothing waits on the agent.</summary>
    private sealed class QuickAgent : IAgent
    {
        public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new AgentText("ok: " + request.Message.Parts.Count.ToString(CultureInfo.InvariantCulture));
        }
    }
}
