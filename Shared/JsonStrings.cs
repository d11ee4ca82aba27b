using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Molecule.Shared;

/// <summary>
/// JSON that parses but cannot be read as text: bytes that are not UTF-8, or a string or property name holding an
/// unpaired surrogate escape such as <c>"\ud800"</c> (valid JSON grammar, but no Unicode string).
/// <see cref="JsonElement.GetString"/> throws on either, so request readers check once, right after parsing, and no
/// handler ever meets one. Compiled into each service.
/// </summary>
internal static class JsonStrings
{
    /// <summary>
    /// Where the body stops being readable text and why, or null when every string in it can be read. Costs two
    /// vectorised scans on ordinary bodies; one tokenising pass more on bodies with <c>\u</c> escapes.
    /// </summary>
    public static (long Offset, string Problem)? FindUnreadable(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            var offset = 0;
            while (Rune.DecodeFromUtf8(json[offset..], out _, out var consumed) == OperationStatus.Done)
            {
                offset += consumed;
            }

            return (offset, "is not valid UTF-8");
        }

        if (json.IndexOf("\\u"u8) < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    try
                    {
                        _ = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        return (reader.TokenStartIndex, "holds an unpaired surrogate escape, which is not valid Unicode");
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: the caller's parser reports that.
        }

        return null;
    }
}
