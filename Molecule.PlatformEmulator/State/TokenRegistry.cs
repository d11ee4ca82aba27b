using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Molecule.PlatformEmulator.State;

/// <summary>
/// Workspace tokens: 32 CSPRNG bytes as 43-char base64url, returned once; stored only as SHA-256 with an 8-char prefix.
/// Lookups go by hash and confirm with a constant-time comparison; a token authorises exactly one workspace.
/// </summary>
public sealed class TokenRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TokenRecord> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, TokenRecord>> _byWorkspace = new();
    private int _live;
    private long _sequence;

    /// <summary>True while at least one live token exists anywhere (AdminAuth's fail-open check).</summary>
    public bool AnyLive => Volatile.Read(ref _live) > 0;

    /// <summary>A fresh token in the platform's format (32 random bytes, base64url, 43 chars), not stored anywhere.</summary>
    public static string NewPlaintext() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public (string Plaintext, TokenRecord Record) Mint(Guid workspaceId)
    {
        var plaintext = NewPlaintext();
        var record = new TokenRecord(Guid.NewGuid(), workspaceId, Hash(plaintext), plaintext[..8], time.GetUtcNow())
        {
            Sequence = Interlocked.Increment(ref _sequence),
        };
        _byHash[record.Hash] = record;
        _byWorkspace.GetOrAdd(workspaceId, _ => new ConcurrentDictionary<Guid, TokenRecord>())[record.Id] = record;
        Interlocked.Increment(ref _live);
        return (plaintext, record);
    }

    /// <summary>The live token record for <paramref name="plaintext"/>, or null.</summary>
    public TokenRecord? Find(string plaintext)
    {
        var hash = Hash(plaintext);
        if (!_byHash.TryGetValue(hash, out var record) || record.RevokedAt is not null)
        {
            return null;
        }

        // Confirm in constant time (the dictionary compared hashes, never the plaintext).
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(record.Hash), Encoding.ASCII.GetBytes(hash)))
        {
            return null;
        }

        record.LastUsedAt = time.GetUtcNow();
        return record;
    }

    public bool IsLiveTokenOf(string plaintext, Guid workspaceId) => Find(plaintext) is { } record && record.WorkspaceId == workspaceId;

    public bool HasLive(Guid workspaceId) =>
        _byWorkspace.TryGetValue(workspaceId, out var tokens) && tokens.Values.Any(t => t.RevokedAt is null);

    public IReadOnlyList<TokenRecord> Live(Guid workspaceId) =>
        _byWorkspace.TryGetValue(workspaceId, out var tokens)
            ? tokens.Values.Where(t => t.RevokedAt is null).OrderBy(t => t.Sequence).ToArray()
            : [];

    public bool Revoke(Guid workspaceId, Guid tokenId)
    {
        if (!_byWorkspace.TryGetValue(workspaceId, out var tokens) || !tokens.TryGetValue(tokenId, out var record))
        {
            return false;
        }

        lock (record)
        {
            if (record.RevokedAt is not null)
            {
                return false;
            }

            record.RevokedAt = time.GetUtcNow();
        }

        Interlocked.Decrement(ref _live);
        return true;
    }

    public int RevokeAll(Guid workspaceId)
    {
        var count = 0;
        foreach (var token in Live(workspaceId))
        {
            if (Revoke(workspaceId, token.Id))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Every token record (hashes only: a plaintext is never kept), for the data folder.</summary>
    public IReadOnlyList<TokenRecord> All() => [.. _byHash.Values.OrderBy(t => t.Sequence)];

    /// <summary>Puts back records a snapshot saved.</summary>
    public void Restore(IEnumerable<TokenRecord> records)
    {
        foreach (var record in records)
        {
            _byHash[record.Hash] = record;
            _byWorkspace.GetOrAdd(record.WorkspaceId, _ => new ConcurrentDictionary<Guid, TokenRecord>())[record.Id] = record;
            if (record.RevokedAt is null)
            {
                Interlocked.Increment(ref _live);
            }

            _sequence = Math.Max(_sequence, record.Sequence);
        }
    }

    public void Clear()
    {
        _byHash.Clear();
        _byWorkspace.Clear();
        Volatile.Write(ref _live, 0);
    }

    public void Forget(Guid workspaceId)
    {
        RevokeAll(workspaceId);
        if (_byWorkspace.TryRemove(workspaceId, out var tokens))
        {
            foreach (var token in tokens.Values)
            {
                _byHash.TryRemove(token.Hash, out _);
            }
        }
    }

    public static string Hash(string plaintext) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plaintext)));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class TokenRecord(Guid id, Guid workspaceId, string hash, string prefix, DateTimeOffset createdAt)
{
    public Guid Id { get; } = id;

    public Guid WorkspaceId { get; } = workspaceId;

    public string Hash { get; } = hash;

    public string Prefix { get; } = prefix;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>Mint order (creation times can tie).</summary>
    public long Sequence { get; init; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
