using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Molecule.PlatformEmulator.Infrastructure;
using Molecule.Shared;

namespace Molecule.PlatformEmulator.Proxy;

/// <summary>A proxied body made ready to forward, with what the activity row and the busy queue need from it.</summary>
public readonly record struct NormalisedCall(byte[] Body, string Method, string? MessageId);

/// <summary>Contract §2.9 step 8: the shapes the proxy accepts, turned into the JSON-RPC an A2A server reads.</summary>
public static class A2ANormaliser
{
    /// <summary>
    /// The contract's step 8: a body without a top-level <c>jsonrpc</c> is rewrapped, a <c>params.message</c> without
    /// <c>messageId</c> gets one; anything else passes byte for byte. Also returns the method and the message id (the
    /// busy queue's idempotency key). Null when the body is not a JSON object.
    /// </summary>
    public static NormalisedCall? Normalise(byte[] body)
    {
        bool hasJsonRpc, needsMessageId;
        string method;
        string? messageId = null;
        if (JsonStrings.FindUnreadable(body) is not null)
        {
            return null;   // parses, but holds text no reader can decode (invalid UTF-8, an unpaired surrogate escape)
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            hasJsonRpc = root.TryGetProperty("jsonrpc", out _);
            method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
            needsMessageId = false;
            if (root.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object &&
                p.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                needsMessageId = !message.TryGetProperty("messageId", out var id);
                messageId = id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        if (hasJsonRpc && !needsMessageId)
        {
            return new NormalisedCall(body, method, messageId);
        }

        var request = (JsonObject)JsonNode.Parse(body)!;
        if (!hasJsonRpc)
        {
            request = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = Guid.NewGuid().ToString(),
                ["method"] = request["method"]?.DeepClone(),
                ["params"] = request["params"]?.DeepClone(),
            };
        }

        if (needsMessageId && request["params"] is JsonObject parameters && parameters["message"] is JsonObject added)
        {
            messageId = Guid.NewGuid().ToString();
            added["messageId"] = messageId;
        }

        return new NormalisedCall(Encoding.UTF8.GetBytes(request.ToJsonString(Contract.WireOptions)), method, messageId);
    }
}
