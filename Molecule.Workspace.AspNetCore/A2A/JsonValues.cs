using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Molecule.Workspace.A2A;

/// <summary>
/// Converts between JSON and the plain value trees the public surface speaks (dictionaries, lists, strings, numbers,
/// booleans, null), without reflection, so agents never see a JSON type.
/// </summary>
internal static class JsonValues
{
    public static IReadOnlyDictionary<string, object?> ToDictionary(JsonElement element)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = ToValue(property.Value);
        }

        return result;
    }

    public static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToDictionary(element),
        JsonValueKind.Array => element.EnumerateArray().Select(ToValue).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? integer : (object)element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <param name="writer">Where to write.</param>
    /// <param name="value">A value tree.</param>
    /// <param name="text">Applied to every string value on the way (the journal scrubs secrets with it).</param>
    public static void Write(Utf8JsonWriter writer, object? value, Func<string, string>? text = null)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string str:
                writer.WriteStringValue(text is null ? str : text(str));
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or short or sbyte or byte or ushort or uint:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong unsigned:
                writer.WriteNumberValue(unsigned);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case float number when float.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case double or float:
                writer.WriteNullValue();   // JSON has no NaN or infinity
                break;
            case DateTimeOffset time:
                writer.WriteStringValue(time);
                break;
            case DateTime time:
                writer.WriteStringValue(time);
                break;
            case Guid id:
                writer.WriteStringValue(id);
                break;
            case Uri uri:
                writer.WriteStringValue(uri.OriginalString);
                break;
            case Enum named:
                writer.WriteStringValue(named.ToString());
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item, text);
                }

                writer.WriteEndObject();
                break;
            case IDictionary map:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(writer, entry.Value, text);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item, text);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
