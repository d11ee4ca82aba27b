using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Molecule.Testing.Fuzz;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>The emulator on real Kestrel with real time, Compatible fidelity, for the fuzz suite.</summary>
public sealed class FuzzEmulatorFactory : ConfiguredEmulatorFactory
{
    public const string Token = "fuzz-admin-token-0123456789abcdef";

    public FuzzEmulatorFactory()
        : base(Token, fakeTime: false)
    {
        UseKestrel(0);
    }
}

/// <summary>
/// Bad input never crashes a request: at least 10,000 generated requests per run (FUZZ_ITERATIONS overrides) from the
/// real shapes of the emulator's routes, mutated as a broken client would, with auth and header variants, over real
/// sockets. No 5xx but the proxy's contract 502/503/504, an <c>{"error": …}</c> body on every 4xx, no hang, and a
/// registered workspace is unchanged and keeps its token. Seeded (FUZZ_SEED replays a run); a failure prints the seed
/// and the request.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class EmulatorFuzzTests(FuzzEmulatorFactory factory) : IClassFixture<FuzzEmulatorFactory>
{
    private const string Id = "{ID}";

    private static readonly (string Method, string Path, string? Body)[] Routes =
    [
        ("POST", "/registry/register", """{"id":"{ID}","url":"http://127.0.0.1:1","agent_card":{"name":"fuzz","skills":[{"id":"s","name":"S"}]}}"""),
        ("POST", "/registry/heartbeat", """{"workspace_id":"{ID}","error_rate":0.25,"sample_error":"e","active_tasks":1,"current_task":"t","uptime_seconds":5,"runtime_state":"","runtime_metadata":{"k":"v"}}"""),
        ("POST", "/registry/update-card", """{"workspace_id":"{ID}","agent_card":{"name":"card","skills":[]}}"""),
        ("GET", "/registry/discover/{ID}", null),
        ("GET", "/registry/{ID}/peers", null),
        ("POST", "/registry/check-access", """{"caller_id":"{ID}","target_id":"{ID}"}"""),
        ("POST", "/workspaces", """{"name":"fuzz","role":"r","parent_id":null,"external":true,"runtime":"external","tier":2,"model":"m","url":"http://127.0.0.1:1"}"""),
        ("GET", "/workspaces", null),
        ("GET", "/workspaces/{ID}", null),
        ("DELETE", "/workspaces/{ID}", null),
        ("PATCH", "/workspaces/{ID}", """{"name":"renamed","role":"r2","tier":1,"parent_id":null}"""),
        ("GET", "/workspaces/{ID}/state", null),
        ("GET", "/workspaces/{ID}/tokens", null),
        ("POST", "/workspaces/{ID}/tokens", "{}"),
        ("DELETE", "/workspaces/{ID}/tokens/tok-1", null),
        ("GET", "/workspaces/{ID}/delegations", null),
        ("POST", "/workspaces/{ID}/activity", """{"activity_type":"a2a_send","summary":"s","status":"ok","source_id":"{ID}","target_id":"{ID}","request_body":{"a":1},"response_body":{},"duration_ms":5,"error_detail":""}"""),
        ("GET", "/workspaces/{ID}/activity?type=a2a_send&limit=5", null),
        ("POST", "/workspaces/{ID}/notify", """{"message":"hi","attachments":[{"uri":"workspace:/workspace/a.txt","name":"a.txt","mimeType":"text/plain","size":3}]}"""),
        ("GET", "/workspaces/{ID}/instructions/resolve", null),
        ("GET", "/admin/workspaces/{ID}/test-token", null),
        ("GET", "/events", null),
        ("GET", "/events/{ID}", null),
        ("POST", "/workspaces/{ID}/a2a", """{"method":"message/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"hi"}]}}}"""),
        ("POST", "/workspaces/{ID}/a2a", """{"jsonrpc":"2.0","id":1,"method":"message/stream","params":{"message":{"messageId":"m","role":"user","parts":[{"kind":"text","text":"s"}]}}}"""),
        ("GET", "/workspaces/{ID}/a2a/.well-known/agent-card.json", null),
        ("POST", "/_emulator/workspaces/{ID}/status", """{"status":"online"}"""),
        ("GET", "/health", null),
    ];

    [Fact]
    public async Task Ten_thousand_broken_requests_get_contract_answers_and_leave_a_registered_workspace_intact()
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(15);
        var (sentinel, sentinelToken) = await RegisteredWorkspaceAsync(client, "sentinel");
        var (target, targetToken) = await RegisteredWorkspaceAsync(client, "fuzz-target");
        var before = await StableViewAsync(client, sentinel);
        string[] ids = [target, Guid.NewGuid().ToString(), "not-a-uuid", new string('7', 300), sentinel.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal), "a b", sentinel];
        string?[] bearers = [null, FuzzEmulatorFactory.Token, targetToken, "junk", "", new string('b', 5000)];

        var gen = Gen.Select(Gen.Int[0, Routes.Length - 1], Gen.Int[0, 4], Gen.Int, Gen.Int[0, ids.Length - 1], Gen.Int[0, 9])
            .Select((route, mutations, seed, id, auth) => Build(route, mutations, seed, ids[id], id == ids.Length - 1, auth, bearers, target, sentinel));
        await gen.SampleAsync(request => SendAndCheckAsync(client, request),
            iter: Fuzz.Iterations, seed: Fuzz.Seed, threads: 4, print: r => r.ToString(), writeLine: Console.WriteLine);

        Assert.Equal(before, await StableViewAsync(client, sentinel));
        var (beat, beatBody) = await client.SendJsonAsync(HttpMethod.Post, "/registry/heartbeat",
            $$"""{"workspace_id":"{{sentinel}}","error_rate":0,"sample_error":"","active_tasks":0,"current_task":"","uptime_seconds":9}""", sentinelToken);
        Assert.True(beat == HttpStatusCode.OK, beatBody);
    }

    private static FuzzRequest Build(int route, int mutations, int seed, string id, bool isSentinel, int auth, string?[] bearers, string target, string sentinel)
    {
        var random = new Random(seed);
        var (method, path, template) = Routes[route];
        var bodyId = random.Next(4) switch { 0 => sentinel, 1 => target, 2 => Guid.NewGuid().ToString(), _ => id };
        byte[]? body = null;
        if (template is not null)
        {
            var node = JsonNode.Parse(template.Replace(Id, bodyId, StringComparison.Ordinal))!;
            body = mutations == 0 ? JsonMutator.Serialize(node) : JsonMutator.Mutate(node, random, mutations);
        }
        else if (mutations > 0 && random.Next(3) == 0)
        {
            body = JsonMutator.Mutate(new JsonObject { ["unexpected"] = "body" }, random, mutations);
        }

        // The sentinel's id appears in paths only without working credentials: nothing may change it.
        var headers = new List<(string, string)> { ("Content-Type", auth == 9 ? "text/plain" : "application/json") };
        var bearer = isSentinel ? (auth % 2 == 0 ? "junk" : null) : bearers[auth % bearers.Length];
        if (bearer is not null)
        {
            headers.Add(("Authorization", "Bearer " + bearer));
        }

        if (auth == 7 && !isSentinel)
        {
            headers.Add(("Authorization", "Bearer second-value"));   // Go's Header.Get reads the first
        }

        if (auth is 3 or 8)
        {
            headers.Add(("X-Workspace-ID", random.Next(3) switch { 0 => target, 1 => "junk", _ => new string('x', 300) }));
        }

        if (path.Contains('?', StringComparison.Ordinal) && mutations > 0)
        {
            path = path.Replace("limit=5", "limit=" + (random.Next(4) switch { 0 => "-1", 1 => "abc", 2 => "99999999999999999999", _ => "" }), StringComparison.Ordinal);
        }

        return new FuzzRequest($"{method} {path} ({mutations} mutations, seed {seed})", new HttpMethod(method),
            path.Replace(Id, Uri.EscapeDataString(id), StringComparison.Ordinal), headers, body);
    }

    private static async Task SendAndCheckAsync(HttpClient client, FuzzRequest request)
    {
        using var message = request.ToMessage();
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        var proxied = request.Path.Contains("/a2a", StringComparison.Ordinal);
        Assert.True(status < 500 || (proxied && status is 502 or 503 or 504) || (status == 500 && BadInputTests.IsLeakedDatastoreError(text)),
            $"HTTP {status}: {text}");
        if (status >= 400)
        {
            Assert.True(text.StartsWith('{'), $"HTTP {status} without a JSON body: '{text}'");
            using var document = JsonDocument.Parse(text);
            if (status == 404 && request.Path.EndsWith("/state", StringComparison.Ordinal) && document.RootElement.TryGetProperty("deleted", out _))
            {
                return;   // the contract's answer for a removed workspace: {"workspace_id","status":"removed","deleted":true}
            }

            Assert.True(document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String && error.GetString()!.Length > 0,
                $"HTTP {status} without an error text: {text}");
        }
    }

    private static async Task<(string Id, string Token)> RegisteredWorkspaceAsync(HttpClient client, string name)
    {
        var (created, createdBody) = await client.SendJsonAsync(HttpMethod.Post, "/workspaces", $$"""{"name":"{{name}}"}""", FuzzEmulatorFactory.Token);
        Assert.True(created == HttpStatusCode.Created, createdBody);
        var id = JsonDocument.Parse(createdBody).RootElement.GetProperty("id").GetString()!;
        var (registered, registeredBody) = await client.SendJsonAsync(HttpMethod.Post, "/registry/register",
            $$$"""{"id":"{{{id}}}","url":"http://127.0.0.1:1","agent_card":{"name":"{{{name}}}","skills":[]}}""");
        Assert.True(registered == HttpStatusCode.OK, registeredBody);
        return (id, JsonDocument.Parse(registeredBody).RootElement.GetProperty("auth_token").GetString()!);
    }

    /// <summary>What nobody but the workspace itself may change: identity, status, URL, card and hierarchy.</summary>
    private static async Task<string> StableViewAsync(HttpClient client, string id)
    {
        var (status, body) = await client.SendJsonAsync(HttpMethod.Get, $"/workspaces/{id}", bearer: FuzzEmulatorFactory.Token);
        Assert.True(status == HttpStatusCode.OK, body);
        var row = JsonNode.Parse(body)!.AsObject();
        return new JsonObject
        {
            ["id"] = row["id"]?.DeepClone(),
            ["name"] = row["name"]?.DeepClone(),
            ["role"] = row["role"]?.DeepClone(),
            ["status"] = row["status"]?.DeepClone(),
            ["url"] = row["url"]?.DeepClone(),
            ["parent_id"] = row["parent_id"]?.DeepClone(),
            ["agent_card"] = row["agent_card"]?.DeepClone(),
        }.ToJsonString();
    }
}
