using System.Collections.Concurrent;
using Molecule.Shared;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>The batched generator behind task, context, message and artifact ids: RFC 9562 version 4, never repeating.</summary>
public sealed class RandomGuidTests
{
    [Fact]
    public void Every_guid_is_version_4_variant_10_and_none_repeats_across_draws()
    {
        var seen = new HashSet<Guid>();
        for (var i = 0; i < 10_000; i++)   // ~156 draws of the per-thread pool
        {
            var guid = RandomGuid.Next();
            var text = guid.ToString();
            Assert.Equal('4', text[14]);
            Assert.Contains(text[19], "89ab");
            Assert.Equal(4, guid.Version);
            Assert.True(seen.Add(guid), $"{guid} repeated after {i} guids");
        }
    }

    [Fact]
    public async Task Threads_drawing_at_once_get_distinct_guids()
    {
        var all = new ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                all.Add(RandomGuid.Next());
            }
        }))).DefaultTimeout();

        Assert.Equal(16_000, all.Distinct().Count());
    }

    [Fact]
    public void The_bits_that_are_not_fixed_vary()
    {
        // Each of the 122 random bits takes both values over a few hundred guids; a stuck byte (an unfilled pool) would not.
        var or = new byte[16];
        var and = Enumerable.Repeat((byte)0xFF, 16).ToArray();
        for (var i = 0; i < 500; i++)
        {
            var bytes = RandomGuid.Next().ToByteArray();
            for (var b = 0; b < 16; b++)
            {
                or[b] |= bytes[b];
                and[b] &= bytes[b];
            }
        }

        var fixedOnes = new byte[16];
        var fixedZeros = Enumerable.Repeat((byte)0xFF, 16).ToArray();
        fixedOnes[7] = 0x40;
        fixedZeros[7] = 0x4F;   // the version nibble is 0100
        fixedOnes[8] = 0x80;
        fixedZeros[8] = 0xBF;   // the variant bits are 10
        for (var b = 0; b < 16; b++)
        {
            Assert.Equal(fixedOnes[b], and[b]);
            Assert.Equal(fixedZeros[b], or[b]);
        }
    }
}
