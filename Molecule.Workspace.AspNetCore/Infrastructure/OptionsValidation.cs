using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Molecule.Workspace.Infrastructure;

/// <summary>
/// A <see cref="TimeSpan"/> range given as <c>[d.]hh:mm:ss</c> strings. Unlike <c>[Range(typeof(TimeSpan), …)]</c> it needs
/// no reflection to convert its bounds, so the options stay trim-safe.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is TimeSpan span && span >= Minimum && span <= Maximum;

    public override string FormatErrorMessage(string name) =>
        string.Create(CultureInfo.InvariantCulture, $"The field {name} must be between {Minimum:c} and {Maximum:c}.");
}

/// <summary>Source-generated DataAnnotations validation for <see cref="TaskStoreOptions"/> (no reflection at run time).</summary>
[OptionsValidator]
internal sealed partial class TaskStoreOptionsAnnotations : IValidateOptions<TaskStoreOptions>;

/// <summary>Source-generated DataAnnotations validation for <see cref="ChatAgentOptions"/> (no reflection at run time).</summary>
[OptionsValidator]
internal sealed partial class ChatAgentOptionsAnnotations : IValidateOptions<ChatAgentOptions>;
