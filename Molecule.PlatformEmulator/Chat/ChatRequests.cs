using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Chat;

/// <summary>A file a message carries: where it is (an upload's <c>uri</c>), its name, type and size.</summary>
public sealed record Attachment
{
    public string? Uri { get; init; }

    public string? Name { get; init; }

    [JsonPropertyName("mimeType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MimeType { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Size { get; init; }
}

/// <summary><c>POST /workspaces/{id}/notify</c> (supplement §6.1): anything but <c>message</c> and <c>attachments</c> is ignored.</summary>
public sealed record NotifyRequest : IRequestBody<NotifyRequest>
{
    public string? Message { get; init; }

    public IReadOnlyList<Attachment?>? Attachments { get; init; }

    public static JsonTypeInfo<NotifyRequest> JsonType => EmulatorJson.Default.NotifyRequest;

    public static string InvalidBody => "message is required";

    public ContractError? Validate(EmulatorOptions options)
    {
        if (string.IsNullOrEmpty(Message))
        {
            return ContractError.BadRequest(InvalidBody);
        }

        for (var i = 0; i < (Attachments?.Count ?? 0); i++)
        {
            if (Attachments![i] is not { Uri.Length: > 0, Name.Length: > 0 })
            {
                return ContractError.BadRequest($"attachment[{i}]: uri and name are required");
            }
        }

        return null;
    }
}

/// <summary>The files of one upload, in the order they were sent.</summary>
public sealed record UploadAnswer(IReadOnlyList<Attachment> Files);
