using System.Net.Http.Headers;

namespace Molecule.Platform.Client;

/// <summary>What every call a workspace makes to the platform carries, for <see cref="PlatformClient"/> and <see cref="MoleculePlatform"/> alike.</summary>
internal static class PlatformRequests
{
    /// <summary>The platform's base address, ending in <c>/</c> so relative routes resolve under it.</summary>
    public static Uri Root(Uri platformUrl) => new(platformUrl.AbsoluteUri.TrimEnd('/') + "/");

    /// <summary><c>X-Workspace-ID</c>, and the workspace's bearer once it has one.</summary>
    public static void Identify(HttpRequestMessage request, string workspaceId, TokenStore tokens)
    {
        request.Headers.TryAddWithoutValidation("X-Workspace-ID", workspaceId);
        if (tokens.Current is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }
}
