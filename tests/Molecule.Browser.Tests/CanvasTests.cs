using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Molecule.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Molecule.Browser.Tests;

/// <summary>The emulator's canvas in Debian's Chromium, against a real emulator and a real workspace.</summary>
[Trait("Category", "Browser")]
public sealed class CanvasTests : CanvasTest
{
    [BrowserFact]
    public async Task The_workspace_card_appears_and_turns_green_with_its_card_details()
    {
        var card = Env.Card;
        await Expect(card).ToHaveAttributeAsync("data-status", "online");
        await Expect(card.Locator(".status")).ToHaveTextAsync("online");
        await Expect(card.Locator(".name")).ToHaveTextAsync(CanvasEnvironment.WorkspaceName);
        await Expect(card.Locator(".skills li")).ToContainTextAsync(["Echo", "Work"]);
        await Expect(card.Locator(".modes")).ToContainTextAsync("text/plain");
        await Expect(card.Locator(".heartbeat")).ToHaveTextAsync(new Regex(@"^\d+ s ago$"));
        await Expect(Env.Page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(Env.Page.Locator("#event-log li[data-event='WORKSPACE_HEARTBEAT']").First).ToBeVisibleAsync();
        await Env.ScreenshotAsync("online");
    }

    [BrowserFact]
    public async Task Failing_tasks_raise_the_error_rate_and_turn_the_card_amber_with_the_sample_error()
    {
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");
        for (var i = 0; i < 3; i++)
        {
            using var response = await Env.Admin.PostAsync($"/workspaces/{Env.WorkspaceId}/a2a", new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"message/send","params":{"message":{"role":"user","parts":[{"kind":"text","text":"fail upstream model timed out"}]}}}""",
                Encoding.UTF8, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "degraded");
        await Expect(Env.Card.Locator(".error-rate")).ToHaveTextAsync("100 %");
        await Expect(Env.Card.Locator(".sample-error")).ToContainTextAsync("upstream model timed out");
        await Env.ScreenshotAsync("degraded");
    }

    [BrowserFact]
    public async Task A_stopped_workspace_turns_grey_after_the_liveness_timeout()
    {
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");

        await Env.StopWorkspaceAsync();

        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "offline", new() { Timeout = 30_000 });
        await Expect(Env.Page.Locator("#event-log li[data-event='WORKSPACE_OFFLINE']").First).ToBeVisibleAsync();
        await Env.ScreenshotAsync("offline");
    }

    [BrowserFact]
    public async Task A_chat_message_streams_the_echo_answer_into_the_panel_and_a_running_task_can_be_canceled()
    {
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");
        await Env.Card.GetByRole(AriaRole.Button, new() { Name = "Chat" }).ClickAsync();
        var chat = Env.Page.GetByRole(AriaRole.Region, new() { Name = $"Chat · {CanvasEnvironment.WorkspaceName}" });
        await Expect(chat).ToBeVisibleAsync();

        await chat.GetByLabel("Message").FillAsync("hello from the canvas");
        await chat.GetByLabel("Message").PressAsync("Enter");
        var answer = chat.Locator("li.agent").Last;
        await Expect(answer.Locator(".text")).ToHaveTextAsync("Echo: hello from the canvas");
        await Expect(answer).ToHaveAttributeAsync("data-state", "completed");
        await Env.ScreenshotAsync("chat");

        await chat.GetByLabel("Message").FillAsync("work 30s");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        var work = chat.Locator("li.agent").Last;
        await Expect(work).ToHaveAttributeAsync("data-state", "working");
        await Expect(Env.Card.Locator(".banner")).ToContainTextAsync("work 30s");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Cancel task" }).ClickAsync();
        await Expect(work).ToHaveAttributeAsync("data-state", "canceled");
    }

    [BrowserFact]
    public async Task The_page_shows_it_is_reconnecting_while_the_emulator_restarts_and_recovers_by_itself()
    {
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");

        await Env.StopEmulatorAsync();
        await Expect(Env.Page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        await Expect(Env.Page.Locator("#connection")).ToContainTextAsync("Reconnecting");
        await Env.ScreenshotAsync("reconnecting");

        await Env.StartEmulatorAsync();
        await Expect(Env.Page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 30_000 });
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online", new() { Timeout = 30_000 });
    }

    [BrowserFact]
    public async Task The_page_reaches_its_reconnect_loop_even_when_a_first_load_loses_its_connection()
    {
        // The emulator going away while the page loads: one of the first loads meets a reset connection.
        using var fault = await Env.Admin.PostAsync(
            "/_emulator/faults",
            new StringContent("""{"method":"GET","path":"/approvals/pending","kind":"reset"}""", Encoding.UTF8, "application/json"));
        Assert.True(fault.IsSuccessStatusCode, $"the fault was not added: {(int)fault.StatusCode}");

        await Env.Page.ReloadAsync();

        await Expect(Env.Page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");
    }

    [BrowserFact]
    public async Task A_signed_in_link_opens_the_canvas_without_the_token_prompt_and_drops_the_token_from_the_address()
    {
        var page = await Env.Browser.NewPageAsync();
        await page.GotoAsync($"{Env.EmulatorUrl}/#admin-token={Uri.EscapeDataString(CanvasEnvironment.AdminToken)}");

        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(page.Locator($"[data-workspace-id='{Env.WorkspaceId}']")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Admin token" })).ToBeHiddenAsync();
        Assert.DoesNotContain("admin-token", page.Url, StringComparison.Ordinal);
        await page.CloseAsync();
    }

    [BrowserFact]
    public async Task Creating_a_workspace_shows_its_id_and_the_docker_run_line()
    {
        await Env.Page.GetByLabel("Name").FillAsync("from-the-canvas");
        await Env.Page.GetByRole(AriaRole.Button, new() { Name = "Create (runtime external)" }).ClickAsync();

        var id = Env.Page.Locator("#create-id");
        await Expect(id).ToHaveTextAsync(new Regex("^[0-9a-f-]{36}$"));
        var run = await Env.Page.GetByLabel("Start an agent for it").InputValueAsync();
        Assert.Contains($"WORKSPACE_ID={await id.TextContentAsync()}", run, StringComparison.Ordinal);
        Assert.Matches(@"WORKSPACE_AUTH_TOKEN=\S{20,}", run);
        Assert.Contains($"PLATFORM_URL=http://host.docker.internal:{Env.EmulatorPort}", run, StringComparison.Ordinal);
        var created = Env.Page.Locator(".card", new() { Has = Env.Page.Locator(".name", new() { HasText = "from-the-canvas" }) });
        await Expect(created).ToHaveAttributeAsync("data-status", "awaiting_agent");
    }

    [BrowserFact]
    public async Task The_page_follows_the_dark_scheme_and_works_from_the_keyboard_with_labelled_controls()
    {
        await Env.Page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Expect(Env.Card).ToHaveAttributeAsync("data-status", "online");
        var background = await Env.Page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(15, 18, 23)", background);
        await Env.ScreenshotAsync("dark");

        // Every form control has an accessible name.
        var unnamed = await Env.Page.EvaluateAsync<int>(
            "[...document.querySelectorAll('input, select, textarea')].filter(e => !e.labels?.length && !e.getAttribute('aria-label')).length");
        Assert.Equal(0, unnamed);

        // Keyboard only: focus the card's Chat button, open the panel, type and send with Enter.
        await Env.Card.GetByRole(AriaRole.Button, new() { Name = "Chat" }).FocusAsync();
        await Env.Page.Keyboard.PressAsync("Enter");
        await Expect(Env.Page.GetByLabel("Message")).ToBeFocusedAsync();
        await Env.Page.Keyboard.TypeAsync("typed only");
        await Env.Page.Keyboard.PressAsync("Enter");
        await Expect(Env.Page.Locator("#chat-log li.agent .text").Last).ToHaveTextAsync("Echo: typed only");
    }

    [BrowserFact]
    public async Task Faults_can_be_added_and_cleared_from_the_page()
    {
        await Env.Page.GetByLabel("Path").FillAsync("/registry/heartbeat");
        await Env.Page.GetByRole(AriaRole.Button, new() { Name = "Add fault" }).ClickAsync();
        var faults = Env.Page.GetByRole(AriaRole.List, new() { Name = "Active faults" });
        await Expect(faults.Locator("li")).ToHaveCountAsync(1);
        await Expect(faults).ToContainTextAsync("/registry/heartbeat → 503");

        await Env.Page.GetByRole(AriaRole.Button, new() { Name = "Clear all" }).ClickAsync();
        await Expect(faults.Locator("li")).ToHaveCountAsync(0);
    }
}
