using System.Globalization;

namespace Molecule.Shared;

/// <summary>
/// How a Molecule service picks its port: <c>PORT</c> wins (the contract's variable); without it, ASP.NET Core's own
/// URL settings apply (Aspire, tests); else the service's default. Compiled into each service.
/// </summary>
internal static class PortBinding
{
    /// <summary><c>PORT</c> as a TCP port; the one-line error when it is set but is no port; neither when unset.</summary>
    public static (int? Port, string? Error) Read(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        if (configuration["PORT"] is not { Length: > 0 } text)
        {
            return (null, null);
        }

        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? (port, null)
            : (null, $"PORT must be a TCP port between 1 and 65535; got '{text}'.");
    }

    /// <summary>Sets <c>urls</c> from <c>PORT</c> or <paramref name="defaultPort"/>; an invalid <c>PORT</c> is left for validation to report.</summary>
    public static void Apply(Microsoft.Extensions.Configuration.IConfiguration configuration, int defaultPort)
    {
        if (Read(configuration) is ({ } port, _))
        {
            configuration["urls"] = $"http://*:{port}";
        }
        else if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]) &&
                 string.IsNullOrEmpty(configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(configuration["ASPNETCORE_HTTP_PORTS"]))
        {
            configuration["urls"] = $"http://*:{defaultPort}";
        }
    }
}
