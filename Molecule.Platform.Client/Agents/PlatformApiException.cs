using System.Net;

namespace Molecule.Platform.Client;

/// <summary>
/// A platform call that did not succeed: the contract's status and its <c>{"error"}</c> text, or a transport failure
/// (no status). The message names the route and the platform's own words; it never carries a token or a secret.
/// </summary>
public sealed class PlatformApiException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="route">The route, e.g. <c>POST /workspaces/{id}/memories</c>.</param>
    /// <param name="statusCode">The HTTP status; null when the platform was not reached.</param>
    /// <param name="platformError">The platform's <c>error</c> text, or the transport failure.</param>
    public PlatformApiException(string route, HttpStatusCode? statusCode, string platformError)
        : base(statusCode is { } status ? $"{route} answered {(int)status}: {platformError}" : $"{route} failed: {platformError}")
    {
        Route = route;
        StatusCode = statusCode;
        PlatformError = platformError;
    }

    /// <summary>The route that failed.</summary>
    public string Route { get; }

    /// <summary>The HTTP status; null when the platform was not reached.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The platform's <c>error</c> text (or the transport failure), as it wrote it.</summary>
    public string PlatformError { get; }
}
