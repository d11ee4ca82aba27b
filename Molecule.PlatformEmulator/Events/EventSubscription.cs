using System.Threading.Channels;

namespace Molecule.PlatformEmulator.Events;

public sealed class EventSubscription(ChannelReader<PlatformEvent> reader, Action dispose) : IDisposable
{
    public ChannelReader<PlatformEvent> Reader { get; } = reader;

    public void Dispose() => dispose();
}
