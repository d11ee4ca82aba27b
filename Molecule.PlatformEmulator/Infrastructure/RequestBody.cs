using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>
/// A request record read from a JSON body. Reading is the platform's binding (Gin's <c>ShouldBindJSON</c>): a body
/// that is not a JSON object of the right field types is one route-specific 400 text (<see cref="InvalidBody"/>), never
/// the decoder's message; <see cref="Validate"/> then applies the route's own rules, in one place per request type.
/// </summary>
public interface IRequestBody<TSelf>
    where TSelf : class, IRequestBody<TSelf>
{
    /// <summary>The source-generated metadata that reads the record.</summary>
    static abstract JsonTypeInfo<TSelf> JsonType { get; }

    /// <summary>The route's 400 text for a body it cannot bind.</summary>
    static abstract string InvalidBody { get; }

    /// <summary>The route's checks after binding; null when the request is acceptable.</summary>
    ContractError? Validate(EmulatorOptions options) => null;
}

/// <summary>What the body filter needs from a bound body without knowing its record type.</summary>
public interface IBoundBody
{
    /// <summary>The answer when the body is refused (413, or the route's 400); null when it bound and validated.</summary>
    ContractError? Rejection { get; }
}

/// <summary>
/// A handler parameter bound from the JSON body by <see cref="BindAsync"/>, capped at <c>Emulator:MaxBodyBytes</c>.
/// Binding never answers by itself: <see cref="RequestBodyConventions.WithRequestBody{TBuilder}"/> answers the
/// rejection after the route's auth filters have run, so the contract's order (auth, then body) holds.
/// </summary>
public sealed class Body<T> : IBoundBody
    where T : class, IRequestBody<T>
{
    private readonly T? _value;

    private Body(T? value, ContractError? rejection)
    {
        _value = value;
        Rejection = rejection;
    }

    /// <summary>The bound, validated record (only read by a handler behind the body filter).</summary>
    public T Value => _value ?? throw new InvalidOperationException($"The body was refused ({Rejection}); map the route WithRequestBody().");

    public ContractError? Rejection { get; }

    /// <summary>Minimal APIs' custom binding hook.</summary>
    public static async ValueTask<Body<T>> BindAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<EmulatorOptions>();
        var raw = await Contract.ReadBodyAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        if (raw is null)
        {
            return new Body<T>(null, ContractError.TooLarge());
        }

        if (Read(raw) is not { } value)
        {
            return new Body<T>(null, ContractError.BadRequest(T.InvalidBody));
        }

        return new Body<T>(value, value.Validate(options));
    }

    /// <summary>The record from <paramref name="raw"/>; null when it is not a JSON object of the record's field types.</summary>
    public static T? Read(ReadOnlySpan<byte> raw)
    {
        // Valid grammar but text no reader can decode (invalid UTF-8, an unpaired surrogate escape) is unusable too.
        if (JsonStrings.FindUnreadable(raw) is not null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(raw, T.JsonType);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The endpoint convention that answers a refused <see cref="Body{T}"/> before the handler runs.</summary>
public static class RequestBodyConventions
{
    /// <summary>Marks the route as reading a request record; its rejection (413 or the route's 400) is answered here.</summary>
    public static TBuilder WithRequestBody<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(RequestBodyMetadata.Instance);
        builder.AddEndpointFilterFactory(static (factory, next) =>
        {
            // Which arguments are bodies is known when the route is built; a request only looks at those.
            var bodies = factory.MethodInfo.GetParameters().Select((p, i) => (p, i)).Where(x => typeof(IBoundBody).IsAssignableFrom(x.p.ParameterType))
                .Select(x => x.i).ToArray();
            return bodies.Length == 0 ? next : context =>
            {
                foreach (var index in bodies)
                {
                    if (context.Arguments[index] is IBoundBody { Rejection: { } rejection })
                    {
                        return ValueTask.FromResult<object?>(rejection);
                    }
                }

                return next(context);
            };
        });
        return builder;
    }
}

/// <summary>Endpoint metadata: the route answers refused bodies through <see cref="RequestBodyConventions"/>.</summary>
public sealed class RequestBodyMetadata
{
    public static readonly RequestBodyMetadata Instance = new();

    private RequestBodyMetadata()
    {
    }
}
