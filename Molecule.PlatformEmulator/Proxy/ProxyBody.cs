using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>
/// The proxied request's bytes, read once and capped (contract §2.9 step 2): over the cap is 413, unless §3 row 9's
/// quirk is on, which cuts the body at 1 MiB silently as the real platform does.
/// </summary>
public sealed class ProxyBody
{
    private ProxyBody(byte[]? bytes) => Bytes = bytes ?? [];

    public byte[] Bytes { get; }

    public ContractError? Rejection { get; private init; }

    public static async ValueTask<ProxyBody> ReadAsync(HttpContext context, EmulatorOptions options)
    {
        var truncate = options.Quirks.TruncateOversizedRequests;
        var bytes = await Contract.ReadBodyAsync(context, truncate ? EmulatorOptions.BodyCap : options.MaxBodyBytes, truncate).ConfigureAwait(false);
        return bytes is null ? new ProxyBody(null) { Rejection = ContractError.TooLarge() } : new ProxyBody(bytes);
    }
}
