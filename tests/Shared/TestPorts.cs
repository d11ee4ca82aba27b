using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Molecule.Testing;

/// <summary>Ports from the OS: bind port 0, read what was given, release it for the process under test.</summary>
public static class TestPorts
{
    /// <summary>A free TCP port on <paramref name="address"/> (loopback unless a container must reach it: <see cref="IPAddress.Any"/>).</summary>
    public static int Free(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><see cref="Free"/> as the text an environment variable or a command-line argument wants.</summary>
    public static string FreeText(IPAddress? address = null) => Free(address).ToString(CultureInfo.InvariantCulture);
}
