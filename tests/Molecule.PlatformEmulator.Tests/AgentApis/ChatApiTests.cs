using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Molecule.PlatformEmulator.Events;

namespace Molecule.PlatformEmulator.Tests.AgentApis;

/// <summary>Supplement §6: messages to the user with attachments, uploads kept per workspace and served back by download.</summary>
public sealed class ChatApiTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private Team NewTeam() => new(factory.CreateClient(), factory.AdminToken);

    [Theory]
    [InlineData("""{"message":""}""", "message is required")]
    [InlineData("""{"type":"delegation_result"}""", "message is required")]
    [InlineData("""{"message":"m","attachments":{"uri":"x"}}""", "message is required")]
    [InlineData("""{"message":"m","attachments":[{"uri":"workspace:/workspace/a","name":"a"},{"uri":"","name":"b"}]}""", "attachment[1]: uri and name are required")]
    public async Task Notify_refuses_bad_input_with_the_platforms_texts(string body, string error)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("notify-checks");

        var (status, text) = await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/notify", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, Team.Error(text));
    }

    [Fact]
    public async Task An_uploaded_file_travels_with_a_message_to_the_canvas_and_downloads_intact()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("reporter");
        var bus = factory.Services.GetRequiredService<EventBus>();
        using var subscription = bus.Subscribe(e => e.Type == "AGENT_MESSAGE" && e.WorkspaceId == Guid.Parse(agent.Id), "test");

        using var form = new MultipartFormDataContent();
        var bytes = "col\n1\n"u8.ToArray();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "files", "my report (final).csv");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{agent.Id}/chat/uploads") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
        using var uploaded = await team.Client.SendAsync(upload).DefaultTimeout();
        if (Fidelity.Strict)
        {
            // The real platform stages uploads in the workspace's container, which an external workspace does not have.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, uploaded.StatusCode);
            Assert.Equal("workspace container not running", Team.Error(await uploaded.Content.ReadAsStringAsync()));
            return;
        }

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var entry = Assert.Single(Team.Json(await uploaded.Content.ReadAsStringAsync()).GetProperty("files").EnumerateArray());
        var uri = entry.GetProperty("uri").GetString()!;
        Assert.Matches("^workspace:/workspace/.molecule/chat-uploads/[0-9a-f]{32}-my_report__final_.csv$", uri);
        Assert.Equal("my_report__final_.csv", entry.GetProperty("name").GetString());
        Assert.Equal("text/csv", entry.GetProperty("mimeType").GetString());
        Assert.Equal(bytes.Length, entry.GetProperty("size").GetInt32());

        var message = $$"""{"message":"Here is the report","attachments":[{{entry.GetRawText()}}]}""";
        Assert.Equal((HttpStatusCode.OK, """{"status":"sent"}"""), await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/notify", message));

        var seen = await subscription.Reader.ReadAsync().AsTask().DefaultTimeout();
        Assert.Equal("Here is the report", (string?)seen.Payload["message"]);
        Assert.Equal("reporter", (string?)seen.Payload["name"]);
        Assert.Equal(uri, (string?)seen.Payload["attachments"]![0]!["uri"]);
        Assert.DoesNotContain("AGENT_MESSAGE", (await team.AsAdminAsync(HttpMethod.Get, $"/events/{agent.Id}")).Body, StringComparison.Ordinal);   // broadcast only

        var (_, history) = await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/activity?type=a2a_receive&source=canvas");
        var row = Assert.Single(Team.Json(history).EnumerateArray());
        Assert.Equal("notify", row.GetProperty("method").GetString());
        Assert.Equal("Agent message: Here is the report", row.GetProperty("summary").GetString());
        Assert.Equal("Here is the report", row.GetProperty("response_body").GetProperty("result").GetString());
        Assert.Equal(uri, row.GetProperty("response_body").GetProperty("parts")[0].GetProperty("file").GetProperty("uri").GetString());

        using var download = new HttpRequestMessage(HttpMethod.Get, $"/workspaces/{agent.Id}/chat/download?path={Uri.EscapeDataString(uri["workspace:".Length..])}");
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
        using var downloaded = await team.Client.SendAsync(download).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        Assert.Equal(bytes, await downloaded.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment; filename=\"my_report__final_.csv\"; filename*=UTF-8''my_report__final_.csv", downloaded.Content.Headers.ContentDisposition?.ToString());
    }

    [Theory]
    [InlineData("", "path query required")]
    [InlineData("workspace/x", "path must be absolute")]
    [InlineData("/etc/passwd", "path must be under /configs, /workspace, /home, or /plugins")]
    [InlineData("/workspace/../etc/passwd", "invalid path")]
    public async Task Download_checks_the_path_in_the_platforms_order(string path, string error)
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("downloader");

        var (status, text) = await team.AsAgentAsync(agent, HttpMethod.Get, $"/workspaces/{{id}}/chat/download?path={Uri.EscapeDataString(path)}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, Team.Error(text));
        Assert.Equal(Fidelity.Strict ? (HttpStatusCode.ServiceUnavailable, """{"error":"docker unavailable"}""") : (HttpStatusCode.NotFound, """{"error":"file not found"}"""),
            await team.AsAgentAsync(agent, HttpMethod.Get, "/workspaces/{id}/chat/download?path=/workspace/none.txt"));
    }

    [Fact]
    public async Task An_upload_without_files_or_not_multipart_is_refused()
    {
        var team = NewTeam();
        var agent = await team.CreateAsync("uploader");

        Assert.Equal("failed to parse multipart form", Team.Error((await team.AsAgentAsync(agent, HttpMethod.Post, "/workspaces/{id}/chat/uploads", "{}")).Body));
        using var form = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workspaces/{agent.Id}/chat/uploads") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
        using var response = await team.Client.SendAsync(request).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("expected at least one 'files' field", Team.Error(await response.Content.ReadAsStringAsync()));
    }
}
