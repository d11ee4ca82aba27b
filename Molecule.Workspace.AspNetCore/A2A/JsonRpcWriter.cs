using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Molecule.Workspace.Infrastructure;

namespace Molecule.Workspace.A2A;

/// <summary>One JSON-RPC envelope writer for results, errors and SSE events: <c>{"jsonrpc":"2.0","id":…, result|error}</c>.</summary>
internal static class JsonRpcWriter
{
    public static Task WriteResultAsync(HttpContext context, string? id, Action<Utf8JsonWriter> result) =>
        WriteResponseAsync(context, StatusCodes.Status200OK, id, writer =>
        {
            writer.WritePropertyName("result");
            result(writer);
        });

    public static Task WriteErrorAsync(HttpContext context, int status, string? id, int code, string message, A2AVersion version) =>
        WriteResponseAsync(context, status, id, writer => WireWriter.WriteError(writer, code, message, version));

    public static void WriteEnvelope(IBufferWriter<byte> buffer, string? id, Action<Utf8JsonWriter> member)
    {
        var writer = JsonWriterCache.Rent(buffer);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WritePropertyName("id");
        if (id is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(id, skipInputValidation: true);
        }

        member(writer);
        writer.WriteEndObject();
        JsonWriterCache.Return(writer);
    }

    private static async Task WriteResponseAsync(HttpContext context, int status, string? id, Action<Utf8JsonWriter> member)
    {
        using var buffer = new PooledBufferWriter();
        WriteEnvelope(buffer, id, member);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }
}
