using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Molecule.Workspace.Infrastructure;

/// <summary>
/// The workspace's own spans and metrics (source and meter <c>Molecule.Workspace</c>, which the service defaults and
/// the Aspire dashboard pick up): one span per A2A call named by its method with the RPC conventions' attributes, and
/// the task counts and durations.
/// </summary>
internal static class WorkspaceTelemetry
{
    public const string Name = "Molecule.Workspace";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Finished = Meter.CreateCounter<long>("molecule.workspace.tasks.finished", "{task}",
        "Task turns that ended, by final state (completed, failed, canceled, input-required).");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("molecule.workspace.task.duration", "s",
        "How long a task turn ran, by final state.");

    private static int _active;

    static WorkspaceTelemetry() =>
        Meter.CreateObservableUpDownCounter("molecule.workspace.tasks.active", () => Volatile.Read(ref _active), "{task}", "Tasks running now.");

    /// <summary>The span of one A2A call, named by the method (<c>SendMessage</c>, <c>message/send</c>).</summary>
    public static Activity? StartCall(string method, A2A.A2AVersion version)
    {
        var activity = Source.StartActivity(method, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "jsonrpc");
            activity.SetTag("rpc.method", method);
            activity.SetTag("rpc.jsonrpc.version", "2.0");
            activity.SetTag("a2a.protocol_version", version == A2A.A2AVersion.V10 ? "1.0" : "0.3");
        }

        return activity;
    }

    /// <summary>Names the task and conversation on the current call's span.</summary>
    public static void TagTask(string taskId, string contextId)
    {
        if (Activity.Current is { Source.Name: Name } activity)
        {
            activity.SetTag("a2a.task_id", taskId);
            activity.SetTag("a2a.context_id", contextId);
        }
    }

    public static void TurnStarted() => Interlocked.Increment(ref _active);

    public static void TurnEnded(string state, TimeSpan took)
    {
        Interlocked.Decrement(ref _active);
        var tag = new KeyValuePair<string, object?>("molecule.task.state", state);
        Finished.Add(1, tag);
        Duration.Record(took.TotalSeconds, tag);
    }
}
