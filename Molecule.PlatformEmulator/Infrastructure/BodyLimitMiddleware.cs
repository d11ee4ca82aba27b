namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>Any request body over the cap ⇒ 413 <c>{"error":"request body too large"}</c>, before routing.</summary>
public sealed class BodyLimitMiddleware(RequestDelegate next, EmulatorOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (options.Quirks.TruncateOversizedRequests)
        {
            return next(context);   // §3 row 9 (quirk): the real platform caps nothing here
        }

        if (Chat.ChatEndpoints.IsUpload(context.Request.Path))
        {
            // Uploads have their own limits (supplement §6.2), and the route answers them with its own texts.
            SetLimit(context, Chat.ChatEndpoints.MaxUploadBytes + 1);
            return next(context);
        }

        if (context.Request.ContentLength > options.MaxBodyBytes)
        {
            return ContractError.TooLarge().ExecuteAsync(context);
        }

        SetLimit(context, options.MaxBodyBytes + 1);

        return next(context);
    }

    private static void SetLimit(HttpContext context, long limit)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
    }
}
