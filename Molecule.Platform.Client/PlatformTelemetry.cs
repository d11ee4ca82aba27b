using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Molecule.Platform.Client;

/// <summary>
/// The link's spans and metrics (source and meter <c>Molecule.Platform.Client</c>): one span per platform call named by
/// its route (<c>POST /registry/heartbeat</c>), around the HTTP client's own span; call durations by route and outcome,
/// and failed heartbeats.
/// </summary>
internal static class PlatformTelemetry
{
    public const string Name = "Molecule.Platform.Client";

    private static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("molecule.platform.request.duration", "s",
        "How long a call to the platform took, by route and outcome.");

    private static readonly Counter<long> HeartbeatFailures = Meter.CreateCounter<long>("molecule.platform.heartbeat.failures", "{heartbeat}",
        "Heartbeats the platform did not accept (an error status or no answer).");

    public static Activity? StartCall(string route, string workspaceId)
    {
        var activity = Source.StartActivity(route, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.route", route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            activity.SetTag("molecule.workspace.id", workspaceId);
        }

        return activity;
    }

    public static void Ended(Activity? span, string route, PlatformResponse response, TimeSpan took)
    {
        var outcome = response.Status is { } status ? ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer";
        var tags = new TagList { { "http.route", route }, { "molecule.outcome", outcome } };
        Duration.Record(took.TotalSeconds, tags);
        if (!response.IsSuccess)
        {
            span?.SetStatus(ActivityStatusCode.Error, response.Describe());
            if (route.EndsWith("/registry/heartbeat", StringComparison.Ordinal))
            {
                HeartbeatFailures.Add(1, tags);
            }
        }
        else
        {
            span?.SetTag("http.response.status_code", outcome);
        }
    }
}
