// dotnet run --project bench/gc -c Release -- pauses PID [SECONDS=10]   collections by generation: count, pauses, promoted MB
// dotnet run --project bench/gc -c Release -- allocations PID [SECONDS=10]   sampled allocations (one event per ~100 KB) by type
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;
using Microsoft.Diagnostics.Tracing.Analysis.GC;
using Microsoft.Diagnostics.Tracing.Parsers;

if (args.Length < 2 || args[0] is not ("pauses" or "allocations") || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var pid))
{
    Console.Error.WriteLine("usage: pauses|allocations PID [SECONDS]");
    return 2;
}

var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var allocations = args[0] == "allocations";
var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", allocations ? EventLevel.Verbose : EventLevel.Informational,
    (long)ClrTraceEventParser.Keywords.GC);
using var session = new DiagnosticsClient(pid).StartEventPipeSession([provider], requestRundown: false);
using var source = new EventPipeEventSource(session.EventStream);
var collections = new List<TraceGC>();
var byType = new Dictionary<string, long>();
if (allocations)
{
    source.Clr.GCAllocationTick += e =>
    {
        var type = e.TypeName ?? "?";
        byType[type] = byType.GetValueOrDefault(type) + e.AllocationAmount64;
    };
}
else
{
    source.NeedLoadedDotNetRuntimes();
    source.AddCallbackOnProcessStart(p => p.AddCallbackOnDotNetRuntimeLoad(runtime => runtime.GCEnd += (_, gc) => collections.Add(gc)));
}

var reading = Task.Run(source.Process);
await Task.Delay(TimeSpan.FromSeconds(seconds), TimeProvider.System, CancellationToken.None);
session.Stop();
await reading;

if (allocations)
{
    var total = byType.Values.Sum();
    Console.WriteLine($"{total / 1e6:F1} MB sampled in {seconds} s");
    foreach (var (type, bytes) in byType.OrderByDescending(t => t.Value).Take(40))
    {
        Console.WriteLine($"{bytes * 100.0 / total,6:F2} %  {type}");
    }
}
else
{
    Console.WriteLine($"{collections.Count} collections in {seconds} s");
    foreach (var group in collections.GroupBy(c => (c.Generation, c.Type)).OrderBy(g => g.Key.Generation))
    {
        var pauses = group.Select(c => c.PauseDurationMSec).Order().ToArray();
        Console.WriteLine($"gen{group.Key.Generation} {group.Key.Type}: {pauses.Length}, pauses {pauses.Sum():F1} ms in all, " +
            $"mean {pauses.Average():F2} ms, p50 {pauses[pauses.Length / 2]:F2} ms, max {pauses[^1]:F2} ms, promoted {group.Average(c => c.PromotedMB):F2} MB each");
    }
}

return 0;
