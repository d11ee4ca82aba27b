using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Molecule.PlatformEmulator.Registry;

/// <summary>
/// Which agent URLs the platform accepts (contract §3 row 4). <c>Local</c> (default): http(s) with a host, no DNS,
/// link-local and metadata literals refused — loopback, private and container names work for local development.
/// <c>Strict</c>: the real platform's rules. Register and discover resolve the host (only the literal <c>localhost</c>
/// skips the lookup; an unresolvable name is refused) and refuse loopback, link-local/metadata, CGNAT, TEST-NET,
/// multicast, ULA and RFC 1918 addresses. The proxy resolves every name (so <c>localhost</c> too) and lets loopback
/// and RFC 1918 through only in dev mode.
/// </summary>
public sealed class UrlPolicy(EmulatorOptions options, TimeProvider time)
{
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Each URL string's parse, kept with the string: a workspace's row holds one URL string until it changes, so the
    /// proxy's check and its request on every call to it share one parse (entries go when their strings do).
    /// </summary>
    private static readonly ConditionalWeakTable<string, StrongBox<Uri?>> Parsed = new();

    public bool Strict => options.UrlSafety == "Strict";

    /// <summary>Register's and discover's check.</summary>
    public async Task<bool> AllowsRegistrationAsync(string? url, CancellationToken cancellationToken)
    {
        if (!TryParse(url, out var uri))
        {
            return false;
        }

        if (!Strict)
        {
            return LocalAllows(uri);
        }

        if (uri.Host == "localhost")
        {
            return true;
        }

        var addresses = await ResolveAsync(uri, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0 && addresses.All(a => Classify(a) == Range.Public);
    }

    /// <summary>The proxy's check before forwarding.</summary>
    public async Task<bool> AllowsForwardingAsync(string? url, CancellationToken cancellationToken)
    {
        if (!TryParse(url, out var uri))
        {
            return false;
        }

        if (!Strict)
        {
            return LocalAllows(uri);
        }

        var addresses = await ResolveAsync(uri, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0 && addresses.All(a => Classify(a) switch
        {
            Range.Public => true,
            Range.Loopback or Range.Private => options.IsDevMode,
            _ => false,
        });
    }

    /// <summary>
    /// The URL when it is an absolute http(s) URL with a host, parsed once per URL string; else null. (Not named
    /// TryParse: minimal APIs would take that for a way to bind this service from the route.)
    /// </summary>
    public static Uri? ParseHttpUrl(string? url) =>
        url is null ? null : Parsed.GetValue(url, static text => new StrongBox<Uri?>(
            Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && !string.IsNullOrEmpty(parsed.Host)
                ? parsed
                : null)).Value;

    private static bool TryParse(string? url, [NotNullWhen(true)] out Uri? uri) => (uri = ParseHttpUrl(url)) is not null;

    private static bool LocalAllows(Uri uri) =>
        !IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) || Classify(address) != Range.LinkLocal;

    private async Task<IPAddress[]> ResolveAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal))
        {
            return [literal];
        }

        using var deadline = new CancellationTokenSource(LookupTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await Dns.GetHostAddressesAsync(uri.IdnHost, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ArgumentException)
        {
            return [];   // unresolvable: refused
        }
    }

    internal enum Range
    {
        Public,
        Loopback,
        Private,
        LinkLocal,
        Reserved,
    }

    internal static Range Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return Range.Loopback;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return (b[0], b[1], b[2]) switch
            {
                (169, 254, _) => Range.LinkLocal,                                   // link-local, cloud metadata
                (10, _, _) or (192, 168, _) => Range.Private,                       // RFC 1918
                (172, >= 16 and <= 31, _) => Range.Private,
                (100, >= 64 and <= 127, _) => Range.Reserved,                       // CGNAT
                (192, 0, 2) or (198, 51, 100) or (203, 0, 113) => Range.Reserved,   // TEST-NET-1/2/3
                (>= 224 and <= 239, _, _) => Range.Reserved,                        // multicast
                (0, _, _) or (>= 240, _, _) => Range.Reserved,
                _ => Range.Public,
            };
        }

        if (address.IsIPv6LinkLocal)
        {
            return Range.LinkLocal;
        }

        if (address.IsIPv6Multicast)
        {
            return Range.Reserved;
        }

        var first = address.GetAddressBytes()[0];
        return first switch
        {
            0xfc => Range.Reserved,   // ULA fc00::/8: always refused
            0xfd => Range.Private,    // ULA fd00::/8: refused like RFC 1918 (no SaaS mode here)
            _ => Range.Public,
        };
    }
}
