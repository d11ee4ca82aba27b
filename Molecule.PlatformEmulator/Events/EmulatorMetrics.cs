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

    public void Dispose() => _meter.Dispose();
}
