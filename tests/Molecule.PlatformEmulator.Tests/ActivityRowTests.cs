using System.Text;
using Molecule.PlatformEmulator.Workspaces;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>A proxied call's bodies are kept as bytes and read as the activity row's JSON, the same as parsed at once.</summary>
public sealed class ActivityRowTests
{
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"kind":"task"}}""", """{"jsonrpc":"2.0","id":1,"result":{"kind":"task"}}""")]
    [InlineData("data: {\"a\":1}\n\n", "\"data: {\\u0022a\\u0022:1}\\n\\n\"")]
    [InlineData("""{"cut":"mid""", "\"{\\u0022cut\\u0022:\\u0022mid\"")]
    public void Raw_bodies_read_as_json_or_else_as_text(string body, string expected)
    {
        var row = new ActivityRow { ActivityType = "a2a_receive" }.WithRawBodies(Encoding.UTF8.GetBytes(body), null);

        Assert.Equal(expected, row.RequestBody!.ToJsonString());
        Assert.Same(row.RequestBody, row.RequestBody);   // parsed once
        Assert.Null(row.ResponseBody);
    }

    [Fact]
    public void A_body_set_later_replaces_the_raw_one()
    {
        var row = new ActivityRow { ActivityType = "a2a_receive" }.WithRawBodies("""{"a":1}"""u8.ToArray(), """{"b":2}"""u8.ToArray());

        row.ResponseBody = System.Text.Json.Nodes.JsonValue.Create("replaced");

        Assert.Equal("""{"a":1}""", row.RequestBody!.ToJsonString());
        Assert.Equal("\"replaced\"", row.ResponseBody!.ToJsonString());
    }

    [Fact]
    public async Task Readers_racing_the_first_parse_all_see_the_same_body()
    {
        for (var round = 0; round < 200; round++)
        {
            var row = new ActivityRow { ActivityType = "a2a_receive" }.WithRawBodies("""{"n":42}"""u8.ToArray(), null);
            var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => row.RequestBody)));

            Assert.All(reads, node => Assert.Equal("""{"n":42}""", node!.ToJsonString()));
        }
    }
}
