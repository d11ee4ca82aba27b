using System.Diagnostics.Metrics;

namespace Molecule.PlatformEmulator.Events;

/// <summary>The emulator's own instruments (<c>Molecule.PlatformEmulator</c> meter), exported on <c>/metrics</c>.</summary>
public sealed class EmulatorMetrics : IDisposable
{
    public const string MeterName = "Molecule.PlatformEmulator";
    private readonly Meter _meter = new(MeterName);

    public EmulatorMetrics()
    {
        EventsPublished = _meter.CreateCounter<long>("molecule_emulator_events_published", description: "Platform events published");
        EventsDropped = _meter.CreateCounter<long>("molecule_emulator_events_dropped", description: "Live events dropped because a subscriber fell behind");
        Heartbeats = _meter.CreateCounter<long>("molecule_emulator_heartbeats", description: "Heartbeats accepted");
        Registrations = _meter.CreateCounter<long>("molecule_emulator_registrations", description: "Registrations accepted");
        FaultsInjected = _meter.CreateCounter<long>("molecule_emulator_faults_injected", description: "Requests answered by an injected fault");
        ProxyRequests = _meter.CreateCounter<long>("molecule_emulator_a2a_proxy_requests", description: "A2A requests through the proxy, by outcome");
    }

    public Counter<long> EventsPublished { get; }

    public Counter<long> EventsDropped { get; }

    public Counter<long> Heartbeats { get; }

    public Counter<long> Registrations { get; }

    public Counter<long> FaultsInjected { get; }

    public Counter<long> ProxyRequests { get; }

    /// <summary>
    /// The framework's per-request gauges the emulator does not collect: the server's and HttpClient's in-flight
    /// counts, HttpClient's connection states and queue time, and routing's match attempts — nine tagged measurements
    /// on every proxied call (~8 µs of its ~100 µs of CPU, <c>bench/README.md</c>) for state no view of the emulator
    /// shows. Every request is still measured: the server's and HttpClient's duration histograms (count, latency,
    /// route, status, error type), Kestrel's connections and the emulator's own instruments stay.
    /// </summary>
    public static bool IsUncollected(Instrument instrument) => (instrument.Meter.Name, instrument.Name) is
        ("Microsoft.AspNetCore.Hosting", "http.server.active_requests") or
        ("Microsoft.AspNetCore.Routing", "aspnetcore.routing.match_attempts") or
        ("System.Net.Http", "http.client.active_requests" or "http.client.open_connections" or "http.client.request.time_in_queue");

    public void Dispose() => _meter.Dispose();
}
