namespace Molecule.Workspace;

/// <summary>Who sent a message.</summary>
public enum MessageRole
{
    /// <summary>The caller: a person, the canvas or a peer agent.</summary>
    User,

    /// <summary>This agent.</summary>
    Agent,
}

/// <summary>A message of a task, in either A2A version's terms.</summary>
/// <param name="MessageId">The sender's id for the message.</param>
/// <param name="Role">Who sent it.</param>
/// <param name="Parts">Its content: text, files and data, in order.</param>
/// <param name="ContextId">The conversation it belongs to.</param>
/// <param name="TaskId">The task it belongs to.</param>
/// <param name="ReferenceTaskIds">Other tasks the sender refers to.</param>
/// <param name="Metadata">The sender's extra fields (a tree of dictionaries, lists, strings, numbers, booleans and nulls).</param>
public sealed record AgentMessage(
    string MessageId,
    MessageRole Role,
    IReadOnlyList<Part> Parts,
    string? ContextId = null,
    string? TaskId = null,
    IReadOnlyList<string>? ReferenceTaskIds = null,
    IReadOnlyDictionary<string, object?>? Metadata = null)
{
    /// <summary>All text parts joined by newlines (files and data are left out).</summary>
    public string Text => Parts.Count == 1 && Parts[0] is TextPart single
        ? single.Text
        : string.Join("\n", Parts.OfType<TextPart>().Select(p => p.Text));

    /// <summary>The file parts.</summary>
    public IEnumerable<FilePart> Files => Parts.OfType<FilePart>();

    /// <summary>The data parts.</summary>
    public IEnumerable<DataPart> Data => Parts.OfType<DataPart>();
}

/// <summary>One part of a message or artifact: <see cref="TextPart"/>, <see cref="FilePart"/> or <see cref="DataPart"/>.</summary>
public abstract record Part
{
    private protected Part()
    {
    }

    /// <summary>Extra fields of the part (a tree of dictionaries, lists, strings, numbers, booleans and nulls).</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }
}

/// <summary>Text.</summary>
/// <param name="Text">The text.</param>
public sealed record TextPart(string Text) : Part;

/// <summary>A file, inline (<see cref="Bytes"/>) or by reference (<see cref="Uri"/>); exactly one of the two is set.</summary>
public sealed record FilePart : Part
{
    /// <summary>Creates a file part; give exactly one of <paramref name="bytes"/> and <paramref name="uri"/>.</summary>
    /// <exception cref="ArgumentException">Both or neither of <paramref name="bytes"/> and <paramref name="uri"/> are given.</exception>
    public FilePart(ReadOnlyMemory<byte>? bytes, Uri? uri, string? mediaType = null, string? name = null)
    {
        if (bytes is null == uri is null)
        {
            throw new ArgumentException("A file part needs exactly one of bytes or uri.", nameof(bytes));
        }

        Bytes = bytes;
        Uri = uri;
        MediaType = mediaType;
        Name = name;
    }

    /// <summary>The content, when the file travels inline.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; }

    /// <summary>Where the file is, when it travels by reference.</summary>
    public Uri? Uri { get; }

    /// <summary>The media type, e.g. <c>application/pdf</c>.</summary>
    public string? MediaType { get; }

    /// <summary>The file name.</summary>
    public string? Name { get; }

    /// <summary>An inline file.</summary>
    public static FilePart FromBytes(ReadOnlyMemory<byte> bytes, string? mediaType = null, string? name = null) => new(bytes, null, mediaType, name);

    /// <summary>A file by reference.</summary>
    public static FilePart FromUri(Uri uri, string? mediaType = null, string? name = null) => new(null, uri, mediaType, name);
}

/// <summary>Structured data: a tree of <see cref="IReadOnlyDictionary{TKey, TValue}"/> (string keys), <see cref="IReadOnlyList{T}"/>, <see cref="string"/>, numbers (<see cref="long"/> or <see cref="double"/> when read), <see cref="bool"/> and null.</summary>
/// <param name="Data">The data. Agents may answer with any dictionary, list, string, number or boolean tree.</param>
public sealed record DataPart(IReadOnlyDictionary<string, object?> Data) : Part;
