using System.Collections.Concurrent;

namespace Molecule.PlatformEmulator.Faults;

public sealed class FaultStore(Random? random = null)
{
    private readonly ConcurrentDictionary<string, FaultRule> _rules = new(StringComparer.Ordinal);
    private readonly Random _random = random ?? new Random();

    public bool IsEmpty => _rules.IsEmpty;

    public IReadOnlyList<FaultRule> All => _rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();

    public void Add(FaultRule rule) => _rules[rule.Id] = rule;

    public bool Remove(string id) => _rules.TryRemove(id, out _);

    public int Clear()
    {
        var count = _rules.Count;
        _rules.Clear();
        return count;
    }

    /// <summary>A uniform draw in [0, 1) for probabilistic rules; the source is not thread-safe, so draws take turns.</summary>
    private double Roll()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>The first rule that fires for this request (consuming one of its remaining uses), or null.</summary>
    public FaultRule? Match(string method, string path, Guid? workspaceId)
    {
        foreach (var rule in _rules.Values)
        {
            if ((rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase)) ||
                !rule.Pattern.IsMatch(path) || (rule.WorkspaceId is not null && rule.WorkspaceId != workspaceId))
            {
                continue;
            }

            lock (rule)
            {
                if (rule.Remaining is <= 0 || (rule.Probability < 1 && Roll() >= rule.Probability))
                {
                    continue;
                }

                if (rule.Remaining is { } remaining)
                {
                    rule.Remaining = remaining - 1;
                    if (remaining - 1 == 0)
                    {
                        _rules.TryRemove(rule.Id, out _);
                    }
                }

                rule.Hits++;
                return rule;
            }
        }

        return null;
    }
}
