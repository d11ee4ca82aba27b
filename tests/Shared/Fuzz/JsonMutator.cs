using System.Text;
using System.Text.Json.Nodes;

namespace Molecule.Testing.Fuzz;

/// <summary>
/// Mutates a valid request body the way a broken client would: wrong types, missing and extra fields, huge numbers,
/// long strings, unpaired surrogate escapes, control characters, deep nesting, truncation and junk bytes. Every
/// choice comes from the <see cref="Random"/> it is given, so a seed reproduces a body exactly.
/// </summary>
public static class JsonMutator
{
    private const string LoneSurrogate = "\u0001LONE-SURROGATE\u0001";

    public static byte[] Mutate(JsonNode template, Random random, int mutations)
    {
        var root = template.DeepClone();
        for (var i = 0; i < mutations; i++)
        {
            switch (random.Next(10))
            {
                case 0 or 1 or 2:
                    root = Replace(root, random, EvilValue(random));
                    break;
                case 3:
                    Remove(root, random);
                    break;
                case 4:
                    Add(root, random);
                    break;
                case 5:
                    root = Replace(root, random, Nest(random.Next(1, 120)));
                    break;
                case 6:
                    return Junk(Serialize(root), random);
                default:
                    root = Replace(root, random, EvilString(random));
                    break;
            }
        }

        return Serialize(root);
    }

    /// <summary>The body as a client would send it, with the surrogate markers turned into the escape <c>\ud800</c>.</summary>
    public static byte[] Serialize(JsonNode? node) =>
        Encoding.UTF8.GetBytes((node?.ToJsonString() ?? "null").Replace("\\u0001LONE-SURROGATE\\u0001", "\\ud800", StringComparison.Ordinal));

    private static List<JsonNode> Nodes(JsonNode root)
    {
        var all = new List<JsonNode>();
        void Walk(JsonNode? node)
        {
            if (node is null)
            {
                return;
            }

            all.Add(node);
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        Walk(child);
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Walk(child);
                    }

                    break;
            }
        }

        Walk(root);
        return all;
    }

    private static JsonNode? Replace(JsonNode? root, Random random, JsonNode? value)
    {
        if (root is null)
        {
            return value;
        }

        var nodes = Nodes(root);
        var target = nodes[random.Next(nodes.Count)];
        if (target == root)
        {
            return value;
        }

        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = value;
                break;
            case JsonArray parent:
                parent[target.GetElementIndex()] = value;
                break;
        }

        return root;
    }

    private static void Remove(JsonNode? root, Random random)
    {
        var objects = root is null ? [] : Nodes(root).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        if (objects.Count > 0)
        {
            var obj = objects[random.Next(objects.Count)];
            obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
        }
    }

    private static void Add(JsonNode? root, Random random)
    {
        var objects = root is null ? [] : Nodes(root).OfType<JsonObject>().ToList();
        if (objects.Count > 0)
        {
            var name = random.Next(3) switch { 0 => LoneSurrogate, 1 => new string('k', 300), _ => "extra" + random.Next(100) };
            objects[random.Next(objects.Count)][name] = EvilValue(random);
        }
    }

    private static JsonNode? Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["n"] = node };
        }

        return node;
    }

    public static JsonNode? EvilValue(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => true,
        2 => 0,
        3 => -1,
        4 => long.MaxValue,
        5 => JsonNode.Parse("1e308"),
        6 => JsonNode.Parse("123456789012345678901234567890"),
        7 => JsonNode.Parse("-0.0"),
        8 => new JsonArray(),
        9 => new JsonObject(),
        10 => new JsonArray(1, "a", null, new JsonObject()),
        11 => Guid.NewGuid().ToString(),
        12 => 3.5,
        _ => EvilString(random),
    };

    public static JsonNode EvilString(Random random) => random.Next(10) switch
    {
        0 => "",
        1 => new string('x', 300),
        2 => new string('y', 70_000),
        3 => "a" + LoneSurrogate + "b",
        4 => LoneSurrogate,
        5 => "\0\u0007\t\r\n",
        6 => "\U0001F600 \u202E rtl",
        7 => "<script>alert(1)</script>",
        8 => "../../etc/passwd",
        _ => "' OR 1=1 --",
    };

    private static byte[] Junk(byte[] body, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                return body.AsSpan(0, random.Next(Math.Max(1, body.Length))).ToArray();   // truncated
            case 1:
                var bytes = new byte[random.Next(0, 512)];
                random.NextBytes(bytes);
                return bytes;
            case 2:
                var flipped = body.ToArray();
                for (var i = 0; i < Math.Max(1, flipped.Length / 50); i++)
                {
                    flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                }

                return flipped;
            default:
                return [.. body, .. "garbage"u8.ToArray()];
        }
    }
}
