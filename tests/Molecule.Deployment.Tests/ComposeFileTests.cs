using YamlDotNet.RepresentationModel;

namespace Molecule.Deployment.Tests;

/// <summary>The Compose files carry the deployment guide's service definition exactly.</summary>
public sealed class ComposeFileTests
{
    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Repo.PathOf("deploy", file))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    private static string Scalar(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)].ToString();

    private static IEnumerable<string> Sequence(YamlNode node, string key) =>
        ((YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Children.Select(n => n.ToString());

    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("docker-compose.workspace.yml")]
    public void The_workspace_service_has_the_guides_healthcheck_port_restart_and_environment(string file)
    {
        var workspace = Map(Map(Load(file), "services"), "workspace");

        var health = Map(workspace, "healthcheck");
        Assert.Equal(["CMD", "curl", "-f", "http://localhost:8000/.well-known/agent-card.json"], Sequence(health, "test"));
        Assert.Equal(("30s", "5s", "3", "30s"), (Scalar(health, "interval"), Scalar(health, "timeout"), Scalar(health, "retries"), Scalar(health, "start_period")));

        Assert.Contains(Sequence(workspace, "ports"), p => p is "8000:8000" or "${WORKSPACE_PORT:-8000}:8000");
        Assert.Equal("unless-stopped", Scalar(workspace, "restart"));
        var environment = Map(workspace, "environment");
        foreach (var key in new[] { "PLATFORM_URL", "WORKSPACE_ID", "PORT", "AGENT_URL" })
        {
            Assert.True(environment.Children.ContainsKey(new YamlScalarNode(key)), key);
        }

        Assert.Contains(Sequence(workspace, "volumes"), v => v.EndsWith(":/configs", StringComparison.Ordinal));
    }

    [Fact]
    public void The_workspace_only_file_reaches_a_platform_on_the_host_through_the_host_gateway()
    {
        var workspace = Map(Map(Load("docker-compose.workspace.yml"), "services"), "workspace");

        Assert.Contains("host.docker.internal:host-gateway", Sequence(workspace, "extra_hosts"));
        Assert.Contains("http://host.docker.internal:8080", Scalar(Map(workspace, "environment"), "PLATFORM_URL"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_pair_starts_the_workspace_after_a_healthy_emulator_and_points_it_there()
    {
        var services = Map(Load("docker-compose.yml"), "services");
        var workspace = Map(services, "workspace");

        Assert.Equal("service_healthy", Scalar(Map(Map(workspace, "depends_on"), "platform"), "condition"));
        Assert.Equal("http://platform:8080", Scalar(Map(workspace, "environment"), "PLATFORM_URL"));
        Assert.Contains("${PLATFORM_PORT:-8080}:8080", Sequence(Map(services, "platform"), "ports"));
        Assert.Contains("ADMIN_TOKEN", Map(Map(services, "platform"), "environment").Children.Keys.Select(k => k.ToString()));
    }
}
