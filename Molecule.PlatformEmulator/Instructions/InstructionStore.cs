using System.Text;
using Molecule.PlatformEmulator.State;

namespace Molecule.PlatformEmulator.Instructions;

/// <summary>One platform instruction (supplement §7).</summary>
public sealed record Instruction(Guid Id, string Scope, string? ScopeTarget, string Title, string Content, int Priority, bool Enabled,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Order);

/// <summary>Global and per-workspace instructions, and the text <c>instructions/resolve</c> builds from them.</summary>
public sealed class InstructionStore : IEmulatorStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Instruction> _rows = [];
    private long _order;

    public Instruction Add(string scope, string? scopeTarget, string title, string content, int priority, DateTimeOffset now)
    {
        lock (_gate)
        {
            var instruction = new Instruction(Guid.NewGuid(), scope, scopeTarget, title, content, priority, Enabled: true, now, now, ++_order);
            _rows[instruction.Id] = instruction;
            return instruction;
        }
    }

    public bool Update(Guid id, Func<Instruction, Instruction> change)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(id, out var row))
            {
                return false;
            }

            _rows[id] = change(row);
            return true;
        }
    }

    public bool Delete(Guid id)
    {
        lock (_gate)
        {
            return _rows.Remove(id);
        }
    }

    /// <summary>Every row, disabled ones included, optionally of one scope: by scope, then priority desc, then age.</summary>
    public IReadOnlyList<Instruction> All(string? scope)
    {
        lock (_gate)
        {
            return [.. _rows.Values.Where(r => scope is null || r.Scope == scope)
                .OrderBy(r => r.Scope, StringComparer.Ordinal).ThenByDescending(r => r.Priority).ThenBy(r => r.Order)];
        }
    }

    /// <summary>What applies to one workspace: enabled global rows, then its enabled workspace rows, each by priority desc.</summary>
    public IReadOnlyList<Instruction> For(string workspaceId)
    {
        lock (_gate)
        {
            var enabled = _rows.Values.Where(r => r.Enabled).ToArray();
            return [.. enabled.Where(r => r.Scope == "global").OrderByDescending(r => r.Priority).ThenBy(r => r.Order),
                .. enabled.Where(r => r.Scope == "workspace" && r.ScopeTarget == workspaceId).OrderByDescending(r => r.Priority).ThenBy(r => r.Order)];
        }
    }

    /// <summary>The resolved text: a heading each time the scope changes, then <c>### title</c> and the content per row.</summary>
    public string Resolve(string workspaceId)
    {
        var text = new StringBuilder();
        string? scope = null;
        foreach (var row in For(workspaceId))
        {
            if (row.Scope != scope)
            {
                scope = row.Scope;
                text.Append(scope == "global" ? "\n## Platform-Wide Rules\n\n" : "\n## Role-Specific Rules\n\n");
            }

            text.Append("### ").Append(row.Title).Append('\n').Append(row.Content).Append("\n\n");
        }

        return text.ToString();
    }

    public IReadOnlyList<Instruction> Snapshot()
    {
        lock (_gate)
        {
            return [.. _rows.Values.OrderBy(r => r.Order)];
        }
    }

    public void Restore(IEnumerable<Instruction> rows)
    {
        lock (_gate)
        {
            foreach (var row in rows)
            {
                _rows[row.Id] = row;
                _order = Math.Max(_order, row.Order);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rows.Clear();
        }
    }
}
