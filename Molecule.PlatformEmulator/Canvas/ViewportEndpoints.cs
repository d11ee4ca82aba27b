using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Canvas;

/// <summary>The canvas's saved viewport (supplement §10): one global row, read by anyone, written by CanvasOrBearer.</summary>
public static class ViewportEndpoints
{
    public static RouteGroupBuilder MapViewport(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapFeature("/canvas", "Canvas");
        group.MapGet("/viewport", (ViewportStore viewport) => TypedResults.Ok(viewport.Current)).AllowAnyCaller();
        group.MapPut("/viewport", (Body<Viewport> body, ViewportStore viewport) =>
        {
            viewport.Current = body.Value;
            return TypedResults.Ok(new StatusAnswer("saved"));
        }).RequireCanvasOrBearer().WithRequestBody();
        return group;
    }
}

/// <summary><c>{"x","y","zoom"}</c>; an absent number is 0, <c>zoom</c> included, as the platform binds it.</summary>
public sealed record Viewport : IRequestBody<Viewport>
{
    public static readonly Viewport Default = new() { Zoom = 1 };

    public double X { get; init; }

    public double Y { get; init; }

    public double Zoom { get; init; }

    public static JsonTypeInfo<Viewport> JsonType => EmulatorJson.Default.Viewport;

    public static string InvalidBody => "invalid viewport data";

    public ContractError? Validate(EmulatorOptions options) =>
        double.IsFinite(X) && double.IsFinite(Y) && double.IsFinite(Zoom) ? null : ContractError.BadRequest(InvalidBody);
}

public sealed class ViewportStore : IEmulatorStore
{
    public Viewport Current { get; set; } = Viewport.Default;

    public void Clear() => Current = Viewport.Default;
}
