using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Molecule.Deployment.Tests;

/// <summary>deploy/kubernetes loaded with the Kubernetes client's own model and YAML loader, checked against the guide.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Folder = Repo.PathOf("deploy", "kubernetes");

    private static readonly List<object> Objects = Directory.GetFiles(Folder, "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
        .SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f)))
        .ToList();

    private static T One<T>() => Assert.Single(Objects.OfType<T>());

    private static V1Container Workspace => Assert.Single(One<V1Deployment>().Spec.Template.Spec.Containers);

    private static int ResolvePort(IntOrString port) =>
        int.TryParse(port.Value, out var number) ? number : Assert.Single(Workspace.Ports, p => p.Name == port.Value).ContainerPort;

    [Fact]
    public void Kustomization_lists_every_manifest_in_the_folder()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, "kustomization.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var resources = ((YamlSequenceNode)root.Children[new YamlScalarNode("resources")]).Children.Select(n => n.ToString()).Order();

        var files = Directory.GetFiles(Folder, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order();
        Assert.Equal(files, resources);
    }

    [Fact]
    public void Liveness_and_readiness_probe_the_agent_card_on_the_named_port_http_8000()
    {
        var port = Assert.Single(Workspace.Ports);
        Assert.Equal(("http", 8000, "TCP"), (port.Name, port.ContainerPort, port.Protocol));

        foreach (var probe in new[] { Workspace.LivenessProbe, Workspace.ReadinessProbe })
        {
            Assert.Equal("/.well-known/agent-card.json", probe.HttpGet.Path);
            Assert.Equal("http", probe.HttpGet.Port.Value);
            Assert.Equal(8000, ResolvePort(probe.HttpGet.Port));
            Assert.Equal(5, probe.TimeoutSeconds);
        }
    }

    [Fact]
    public void The_grace_period_is_120_s_exceeds_the_liveness_failure_window_and_covers_the_workspace_budget()
    {
        var pod = One<V1Deployment>().Spec.Template.Spec;
        var liveness = Workspace.LivenessProbe;
        var failureWindow = (liveness.PeriodSeconds ?? 10) * (liveness.FailureThreshold ?? 3);
        var shutdownGrace = int.Parse(One<V1ConfigMap>().Data["SHUTDOWN_GRACE_SECONDS"], System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(120, pod.TerminationGracePeriodSeconds);
        Assert.True(pod.TerminationGracePeriodSeconds > failureWindow, $"grace {pod.TerminationGracePeriodSeconds} s vs liveness window {failureWindow} s");
        Assert.InRange(shutdownGrace, 2, (int)pod.TerminationGracePeriodSeconds! - 5);   // room to exit before SIGKILL
    }

    [Fact]
    public void Env_comes_from_the_ConfigMap_and_the_token_from_the_Secret()
    {
        var config = One<V1ConfigMap>();
        Assert.Equal(config.Metadata.Name, Assert.Single(Workspace.EnvFrom).ConfigMapRef.Name);
        foreach (var key in new[] { "PLATFORM_URL", "WORKSPACE_ID", "AGENT_URL", "PORT", "SHUTDOWN_GRACE_SECONDS" })
        {
            Assert.False(string.IsNullOrEmpty(config.Data[key]), key);
        }

        Assert.True(Guid.TryParse(config.Data["WORKSPACE_ID"], out _));
        Assert.StartsWith("http://", config.Data["PLATFORM_URL"], StringComparison.Ordinal);
        Assert.Equal("8000", config.Data["PORT"]);
        Assert.DoesNotContain(config.Data.Keys, k => k.Contains("TOKEN", StringComparison.OrdinalIgnoreCase));

        var token = Assert.Single(Workspace.Env, e => e.Name == "WORKSPACE_AUTH_TOKEN");
        var secret = One<V1Secret>();
        Assert.Equal(secret.Metadata.Name, token.ValueFrom.SecretKeyRef.Name);
        Assert.Contains(token.ValueFrom.SecretKeyRef.Key, secret.StringData.Keys);
    }

    [Fact]
    public void Runs_non_root_on_a_read_only_root_with_writable_configs_and_tmp()
    {
        var pod = One<V1Deployment>().Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(10001, pod.SecurityContext.RunAsUser);
        Assert.Equal(10001, pod.SecurityContext.FsGroup);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);

        var container = Workspace.SecurityContext;
        Assert.True(container.ReadOnlyRootFilesystem);
        Assert.False(container.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.Capabilities.Drop);

        var configsDir = Assert.Single(Workspace.Env, e => e.Name == "CONFIGS_DIR").Value;
        foreach (var path in new[] { configsDir, "/tmp" })
        {
            var mount = Assert.Single(Workspace.VolumeMounts, m => m.MountPath == path);
            Assert.NotEqual(true, mount.ReadOnlyProperty);
            var volume = Assert.Single(pod.Volumes, v => v.Name == mount.Name);
            Assert.True(volume.EmptyDir is not null || volume.PersistentVolumeClaim is not null, $"{path} must be writable storage");
        }
    }

    [Fact]
    public void Requests_and_limits_are_set_and_one_pod_per_workspace_identity()
    {
        Assert.Contains("cpu", Workspace.Resources.Requests.Keys);
        Assert.Contains("memory", Workspace.Resources.Requests.Keys);
        Assert.Contains("memory", Workspace.Resources.Limits.Keys);

        var deployment = One<V1Deployment>();
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);   // never two pods registering the same WORKSPACE_ID
    }

    [Fact]
    public void Service_and_disruption_budget_select_the_workspace_pods()
    {
        var podLabels = One<V1Deployment>().Spec.Template.Metadata.Labels;
        var service = One<V1Service>();
        var budget = One<V1PodDisruptionBudget>();

        Assert.All(service.Spec.Selector, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
        Assert.All(budget.Spec.Selector.MatchLabels, kv => Assert.Equal(kv.Value, podLabels[kv.Key]));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(8000, port.Port);
        Assert.Equal(8000, ResolvePort(port.TargetPort));
        Assert.NotNull(budget.Spec.MaxUnavailable ?? budget.Spec.MinAvailable);
    }
}
