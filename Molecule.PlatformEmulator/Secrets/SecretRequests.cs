using System.Text.Json.Serialization.Metadata;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Secrets;

/// <summary><c>{"key","value"}</c>, both required non-empty strings (so an empty secret cannot be stored).</summary>
public sealed record SetSecretRequest : IRequestBody<SetSecretRequest>
{
    public string? Key { get; init; }

    public string? Value { get; init; }

    public static JsonTypeInfo<SetSecretRequest> JsonType => EmulatorJson.Default.SetSecretRequest;

    public static string InvalidBody => "invalid request body";

    public ContractError? Validate(EmulatorOptions options) =>
        string.IsNullOrEmpty(Key) || string.IsNullOrEmpty(Value) ? ContractError.BadRequest(InvalidBody) : null;
}

/// <summary><c>PUT /workspaces/{id}/model</c>: <c>""</c> or absent clears the override.</summary>
public sealed record SetModelRequest : IRequestBody<SetModelRequest>
{
    public string? Model { get; init; }

    public static JsonTypeInfo<SetModelRequest> JsonType => EmulatorJson.Default.SetModelRequest;

    public static string InvalidBody => "invalid request body";
}

/// <summary>A list element: never the value.</summary>
public sealed record SecretInfo(string CreatedAt, bool HasValue, string Key, string Scope, string UpdatedAt);

public sealed record SecretSaved(string Key, string Status);

public sealed record GlobalSecretSaved(string Key, string Scope, string Status);

public sealed record ModelAnswer(string Model, string Source);

public sealed record ModelSaved(string Model, string Status);
