using System.Net.Http.Headers;
using System.Text;

namespace Molecule.Testing.Fuzz;

/// <summary>One generated request: what a failure prints so it can be replayed by hand.</summary>
public sealed record FuzzRequest(string Name, HttpMethod Method, string Path, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
        }

        foreach (var (name, value) in Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (message.Content is not null && MediaTypeHeaderValue.TryParse(value, out var type))
                {
                    message.Content.Headers.ContentType = type;
                }
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    public override string ToString()
    {
        var text = new StringBuilder().Append(Name).Append(": ").Append(Method).Append(' ').Append(Path);
        foreach (var (name, value) in Headers)
        {
            text.Append("\n  ").Append(name).Append(": ").Append(value.Length > 200 ? value[..200] + "…" : value);
        }

        if (Body is not null)
        {
            var body = Encoding.UTF8.GetString(Body);
            text.Append("\n  body (").Append(Body.Length).Append(" bytes): ").Append(body.Length > 2000 ? body[..2000] + "…" : body);
        }

        return text.ToString();
    }
}
