using System.Globalization;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Memories;

/// <summary>One agent memory (supplement §2.1): free text with a scope and a namespace, owned by the workspace that wrote it.</summary>
public sealed record AgentMemory(Guid Id, Guid WorkspaceId, string Content, string Scope, string Namespace, DateTimeOffset CreatedAt);

/// <summary>
/// The agent memories (supplement §2.1-§2.4): LOCAL, TEAM and GLOBAL rows with the platform's visibility rules. Search
/// approximates Postgres full text the way §2.2 suggests: every query word must prefix a word of the content,
/// case-insensitively, newest first.
/// </summary>
public sealed class MemoryStore(PlatformState state) : IEmulatorStore
{
    public const string Local = "LOCAL";
    public const string Team = "TEAM";
    public const string Global = "GLOBAL";
    public const int DefaultLimit = 50;

    private readonly Lock _gate = new();
    private readonly List<AgentMemory> _rows = [];

    public static bool IsScope(string? scope) => scope is Local or Team or Global;

    public AgentMemory Add(Guid workspaceId, string content, string scope, string @namespace, DateTimeOffset now)
    {
        var memory = new AgentMemory(Guid.NewGuid(), workspaceId, content, scope, @namespace, now);
        lock (_gate)
        {
            _rows.Add(memory);
        }

        return memory;
    }

    /// <summary>Supplement §2.2: the rows <paramref name="reader"/> may see for <paramref name="scope"/>, filtered and newest first.</summary>
    public IReadOnlyList<AgentMemory> Search(Guid reader, string? scope, string? query, string? @namespace, int limit)
    {
        var parent = state.ParentOf(reader);
        var team = scope == Team ? TeamOf(reader, parent) : null;
        Func<AgentMemory, bool> visible = scope switch
        {
            Local => m => m.WorkspaceId == reader && m.Scope == Local,
            Team => m => m.Scope == Team && team!.Contains(m.WorkspaceId) && !IsRemoved(m.WorkspaceId),
            Global => m => m.Scope == Global,
            _ => m => m.WorkspaceId == reader,
        };

        return Query(visible, query, @namespace, limit);
    }

    /// <summary>The MCP bridge's recall (supplement §8): TEAM is self and siblings only, the default LOCAL + TEAM of self.</summary>
    public IReadOnlyList<AgentMemory> Recall(Guid reader, string scope, string query)
    {
        var parent = state.ParentOf(reader);
        Func<AgentMemory, bool> visible = scope switch
        {
            Local => m => m.WorkspaceId == reader && m.Scope == Local,
            Team => m => m.Scope == Team && (m.WorkspaceId == reader || (parent is not null && state.ParentOf(m.WorkspaceId) == parent)),
            _ => m => m.WorkspaceId == reader && m.Scope is Local or Team,
        };

        return Query(visible, query: null, @namespace: null, DefaultLimit, substring: query);
    }

    public bool Delete(Guid owner, Guid id)
    {
        lock (_gate)
        {
            return _rows.RemoveAll(m => m.Id == id && m.WorkspaceId == owner) > 0;
        }
    }

    /// <summary>Every row, oldest first (the admin export).</summary>
    public IReadOnlyList<AgentMemory> All()
    {
        lock (_gate)
        {
            return [.. _rows];
        }
    }

    public void Restore(IEnumerable<AgentMemory> rows)
    {
        lock (_gate)
        {
            _rows.AddRange(rows);
        }
    }

    public bool Exists(Guid workspaceId, string content, string scope)
    {
        lock (_gate)
        {
            return _rows.Exists(m => m.WorkspaceId == workspaceId && m.Content == content && m.Scope == scope);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rows.Clear();
        }
    }

    /// <summary>What a reader sees of a row: GLOBAL content is framed with its id and author (the stored text is unchanged).</summary>
    public static string Presented(AgentMemory memory) =>
        memory.Scope == Global ? $"[MEMORY id={memory.Id} scope=GLOBAL from={memory.WorkspaceId}]: {memory.Content}" : memory.Content;

    /// <summary>Supplement §2.2's <c>limit</c>: the leading integer, honoured only from 1 to 49.</summary>
    public static int Limit(string? text)
    {
        var digits = (text ?? "").TrimStart();
        var end = 0;
        while (end < digits.Length && char.IsAsciiDigit(digits[end]))
        {
            end++;
        }

        return end > 0 && end <= 9 && int.TryParse(digits.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 49
            ? limit
            : DefaultLimit;
    }

    private HashSet<Guid> TeamOf(Guid reader, Guid? parent) =>
        parent is { } p
            ? [p, .. state.ChildrenOf(p).Select(c => c.Id)]
            : [reader, .. state.ChildrenOf(reader).Select(c => c.Id)];

    private bool IsRemoved(Guid id) => state.Find(id) is { } row && row.Status == WorkspaceStatus.Removed;

    private IReadOnlyList<AgentMemory> Query(Func<AgentMemory, bool> visible, string? query, string? @namespace, int limit, string? substring = null)
    {
        AgentMemory[] candidates;
        lock (_gate)
        {
            candidates = [.. _rows.Where(visible)];
        }

        IEnumerable<AgentMemory> rows = candidates.Reverse();   // newest first
        if (!string.IsNullOrEmpty(@namespace))
        {
            rows = rows.Where(m => m.Namespace == @namespace);
        }

        if (substring is { Length: > 0 })
        {
            rows = rows.Where(m => m.Content.Contains(substring, StringComparison.OrdinalIgnoreCase));
        }
        else if (query is { Length: 1 })
        {
            rows = rows.Where(m => m.Content.Contains(query, StringComparison.OrdinalIgnoreCase));
        }
        else if (query is { Length: >= 2 })
        {
            var terms = Words(query);
            rows = terms.Length == 0 ? [] : rows.Where(m => Matches(Words(m.Content), terms));
        }

        return [.. rows.Take(limit)];
    }

    private static bool Matches(string[] words, string[] terms) => terms.All(t => words.Any(w => w.StartsWith(t, StringComparison.Ordinal)));

    private static string[] Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var letter = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (letter && start < 0)
            {
                start = i;
            }
            else if (!letter && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return [.. words];
    }
}
