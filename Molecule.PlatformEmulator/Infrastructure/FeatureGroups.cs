namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>Endpoint metadata: the feature (folder) whose <c>Map&lt;Feature&gt;()</c> mapped the route.</summary>
public sealed record FeatureMetadata(string Feature);

/// <summary>Every route is mapped on its feature's group, tagged with the feature for OpenAPI and the architecture test.</summary>
public static class FeatureGroups
{
    public static RouteGroupBuilder MapFeature(this IEndpointRouteBuilder routes, string prefix, string feature) =>
        routes.MapGroup(prefix).WithTags(feature).WithMetadata(new FeatureMetadata(feature));
}
