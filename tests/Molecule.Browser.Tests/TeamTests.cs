using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Molecule.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Molecule.Browser.Tests;

/// <summary>The canvas shows the team at work, in Debian's Chromium: approvals a person decides, delegations, memories.</summary>
[Trait("Category", "Browser")]
public sealed class TeamTests : CanvasTest
{
    [BrowserFact]
    public async Task An_approval_an_agent_asks_for_is_approved_from_the_page_and_the_agent_sees_the_decision()
    {
        var (id, token) = await CreateAgentAsync("asker");
        var approval = await AsAgentAsync(id, token, HttpMethod.Post, $"/workspaces/{id}/approvals", """{"action":"deploy to prod","reason":"release 1.2"}""");
        var approvalId = approval.GetProperty("approval_id").GetString();

        var row = Env.Page.Locator($"#approval-list li[data-approval-id='{approvalId}']");
        await Expect(row).ToContainTextAsync("asker: deploy to prod");
        await Expect(row).ToContainTextAsync("release 1.2");
        await Env.ScreenshotAsync("approval-pending");
        await row.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(row).ToHaveCountAsync(0);
        await Expect(Env.Page.Locator("#approval-log li[data-decision='approved']").First).ToContainTextAsync("asker: approved by canvas");
        var decided = await AsAgentAsync(id, token, HttpMethod.Get, $"/workspaces/{id}/approvals");   // what the agent polls
        Assert.Equal("approved", decided[0].GetProperty("status").GetString());
        Assert.Equal("canvas", decided[0].GetProperty("decided_by").GetString());
    }

    [BrowserFact]
    public async Task A_delegation_to_the_running_workspace_appears_as_an_edge_and_resolves()
    {
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");
        var (lead, token) = await CreateAgentAsync("lead");

        var sent = await AsAgentAsync(lead, token, HttpMethod.Post, $"/workspaces/{lead}/delegate", $$"""{"target_id":"{{Env.WorkspaceId}}","task":"hello team"}""");

        var edge = Env.Page.Locator($"#delegation-list li[data-delegation-id='{sent.GetProperty("delegation_id").GetString()}']");
        await Expect(edge.Locator(".edge")).ToHaveTextAsync($"lead → {CanvasEnvironment.WorkspaceName}");
        await Expect(edge).ToHaveAttributeAsync("data-status", "completed");
        await Expect(edge).ToContainTextAsync("hello team");   // the echo agent's answer, previewed
        await Env.ScreenshotAsync("delegation");
    }

    [BrowserFact]
    public async Task A_memory_an_agent_writes_shows_up_in_its_details_and_secrets_show_only_their_keys()
    {
        var (id, token) = await CreateAgentAsync("rememberer");
        await AsAgentAsync(id, token, HttpMethod.Post, $"/workspaces/{id}/secrets", """{"key":"OPENAI_API_KEY","value":"sk-never-shown"}""");
        var card = Env.Page.Locator($"[data-workspace-id='{id}']");
        await card.GetByRole(AriaRole.Button, new() { Name = "Details" }).ClickAsync();

        await AsAgentAsync(id, token, HttpMethod.Post, $"/workspaces/{id}/memories", """{"content":"the summary of X is short","scope":"TEAM"}""");

        await Expect(Env.Page.Locator("#memory-list li[data-scope='TEAM']")).ToContainTextAsync("the summary of X is short");
        await Expect(Env.Page.Locator("#secret-list")).ToContainTextAsync("OPENAI_API_KEY (workspace)");
        await Expect(Env.Page.Locator("#details")).Not.ToContainTextAsync("sk-never-shown");
        await Env.Page.GetByLabel("Search memories").FillAsync("nothing matches this");
        await Expect(Env.Page.Locator("#memory-list li")).ToHaveCountAsync(0);
        await Env.ScreenshotAsync("details");
    }

    private async Task<(string Id, string Token)> CreateAgentAsync(string name)
    {
        using var response = await Env.Admin.PostAsync("/workspaces", new StringContent($$"""{"name":"{{name}}","runtime":"external"}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var root = JsonDocument.Parse(body).RootElement;
        return (root.GetProperty("id").GetString()!, root.GetProperty("connection").GetProperty("auth_token").GetString()!);
    }

    private async Task<JsonElement> AsAgentAsync(string id, string token, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(Env.EmulatorUrl), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Workspace-ID", id);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Env.Admin.SendAsync(request);   // the request's own bearer wins over the admin default
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
