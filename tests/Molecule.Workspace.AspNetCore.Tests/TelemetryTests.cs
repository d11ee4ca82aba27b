using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>What the dashboard shows of a workspace: A2A spans named by method with the RPC attributes, platform calls named by route, task metrics.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task A2A_calls_are_spans_named_by_method_and_platform_calls_by_route_with_task_and_call_metrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var workspaceId = Guid.NewGuid().ToString();
        await using (var host = await WorkspaceHost.StartAsync(workspace =>
        {
            workspace.Services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource("Molecule.Workspace", "Molecule.Platform.Client").AddInMemoryExporter(spans))   // as the service defaults do
                .WithMetrics(meters => meters.AddMeter("Molecule.Workspace", "Molecule.Platform.Client").AddInMemoryExporter(metrics));
            workspace.AddAgent(sp => new WorkAgent(TimeProvider.System));
        }, new Dictionary<string, string?> { ["HEARTBEAT_INTERVAL_SECONDS"] = "1", ["WORKSPACE_ID"] = workspaceId }))
        {
            var (status10, answer10) = await Rpc.CallAsync(host.Client, "SendMessage", new { message = Rpc.Message10("hello", contextId: "ctx-telemetry") }, "1.0").DefaultTimeout();
            var (status03, _) = await Rpc.CallAsync(host.Client, "message/send", new { message = Rpc.Message03("hello again") }).DefaultTimeout();
            Assert.Equal(200, status10);
            Assert.Equal(200, status03);
            var taskId = answer10.GetProperty("result").GetProperty("task").GetProperty("id").GetString();

            // The platform client's spans come from one source for the whole process, so other tests' hosts show up
            // here too: this host's are the ones with its workspace id.
            bool Ours(Activity s) => s.DisplayName == "POST /registry/register" && s.GetTagItem("molecule.workspace.id") as string == workspaceId;
            await TestTimeouts.Eventually(() => Task.FromResult(Snapshot(spans).Any(Ours)), TestTimeouts.Short, "a registration attempt");
            host.Services.GetRequiredService<MeterProvider>().ForceFlush();

            var send = Assert.Single(Snapshot(spans), s => s.DisplayName == "SendMessage" && s.GetTagItem("a2a.context_id") as string == "ctx-telemetry");
            Assert.Equal("jsonrpc", send.GetTagItem("rpc.system"));
            Assert.Equal("SendMessage", send.GetTagItem("rpc.method"));
            Assert.Equal("1.0", send.GetTagItem("a2a.protocol_version"));
            Assert.Equal(taskId, send.GetTagItem("a2a.task_id"));
            Assert.Contains(Snapshot(spans), s => s.DisplayName == "message/send" && (string?)s.GetTagItem("rpc.method") == "message/send");

            // Nothing listens at the test's platform address: the call's span says so.
            var register = Snapshot(spans).First(Ours);
            Assert.Equal("Molecule.Platform.Client", register.Source.Name);
            Assert.Equal(ActivityStatusCode.Error, register.Status);
        }

        var names = metrics.Select(m => m.Name).ToHashSet();
        Assert.Contains("molecule.workspace.tasks.finished", names);
        Assert.Contains("molecule.workspace.task.duration", names);
        Assert.Contains("molecule.workspace.tasks.active", names);
        Assert.Contains("molecule.platform.request.duration", names);
        var finished = metrics.Last(m => m.Name == "molecule.workspace.tasks.finished");
        long completed = 0;
        foreach (ref readonly var point in finished.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                if (tag is { Key: "molecule.task.state", Value: "completed" })
                {
                    completed += point.GetSumLong();
                }
            }
        }

        Assert.True(completed >= 2, $"{completed} completed turns counted");
    }

    private static Activity[] Snapshot(List<Activity> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }
}
