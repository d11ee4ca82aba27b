using System.Net;
using System.Net.Http.Headers;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>The canvas assets: served at / from the assembly, with an ETag and a strict content security policy.</summary>
public sealed class CanvasAssetTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task The_canvas_page_is_served_at_the_root_without_auth_and_with_a_strict_policy()
    {
        using var response = await _client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("/_canvas/canvas.js", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/_canvas/canvas.js", "text/javascript")]
    [InlineData("/_canvas/canvas.css", "text/css")]
    public async Task Assets_revalidate_with_their_ETag(string path, string mediaType)
    {
        using var first = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(mediaType, first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag));
        using var second = await _client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task An_unknown_asset_is_a_json_404()
    {
        using var response = await _client.GetAsync("/_canvas/../appsettings.json");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        using var missing = await _client.GetAsync("/_canvas/missing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"error":"not found"}""", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_canvas_assets_live_where_no_platform_route_can_collide_with_them()
    {
        using var old = await _client.GetAsync("/canvas/canvas.js");   // /canvas/* belongs to the platform (viewport)
        using var served = await _client.GetAsync("/_canvas/canvas.js");

        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        Assert.NotEqual("""{"error":"not found"}""", await old.Content.ReadAsStringAsync());   // not the canvas's own answer
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
