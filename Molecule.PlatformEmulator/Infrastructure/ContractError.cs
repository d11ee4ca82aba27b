using System.Text.Json;

namespace Molecule.PlatformEmulator.Infrastructure;

/// <summary>
/// The contract's error answer, <c>{"error":"…"}</c> with its status: the one error result every route returns.
/// The named factories are the statuses the contract uses; <see cref="WithStatus"/> is for a status that is data
/// (an injected fault, an agent's own error passed through the proxy).
/// </summary>
public sealed class ContractError : IResult, IStatusCodeHttpResult, IValueHttpResult, IContentTypeHttpResult
{
    private ContractError(int statusCode, string error)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; }

    /// <summary>The <c>error</c> text, exactly as the contract writes it.</summary>
    public string Error { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    object IValueHttpResult.Value => Error;

    string IContentTypeHttpResult.ContentType => "application/json; charset=utf-8";

    public static ContractError BadRequest(string error) => new(StatusCodes.Status400BadRequest, error);

    public static ContractError Unauthorized(string error) => new(StatusCodes.Status401Unauthorized, error);

    public static ContractError PaymentRequired(string error) => new(StatusCodes.Status402PaymentRequired, error);

    public static ContractError Forbidden(string error) => new(StatusCodes.Status403Forbidden, error);

    public static ContractError NotFound(string error) => new(StatusCodes.Status404NotFound, error);

    public static ContractError Conflict(string error) => new(StatusCodes.Status409Conflict, error);

    public static ContractError TooLarge() => TooLarge("request body too large");

    public static ContractError TooLarge(string error) => new(StatusCodes.Status413PayloadTooLarge, error);

    public static ContractError TooManyRequests(string error) => new(StatusCodes.Status429TooManyRequests, error);

    /// <summary>A platform-side failure the real platform lets leak as a 500 (the Strict quirks of contract §3).</summary>
    public static ContractError Internal(string error) => new(StatusCodes.Status500InternalServerError, error);

    public static ContractError BadGateway(string error) => new(StatusCodes.Status502BadGateway, error);

    public static ContractError Unavailable(string error) => new(StatusCodes.Status503ServiceUnavailable, error);

    /// <summary>An error whose status is data rather than a contract row: a fault rule's, an agent's passed on.</summary>
    public static ContractError WithStatus(int statusCode, string error) => new(statusCode, error);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(Error.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Contract.WireOptions.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, Error);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted).AsTask();
    }

    public override string ToString() => $"{StatusCode} {Error}";
}
