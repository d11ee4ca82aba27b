using System.Globalization;

namespace Molecule.Testing.Fuzz;

/// <summary>How much to fuzz: <c>FUZZ_ITERATIONS</c> (default 10,000 per suite) and <c>FUZZ_SEED</c> (a CsCheck seed printed by a failing run).</summary>
public static class Fuzz
{
    public static long Iterations { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;

    public static string? Seed { get; } = Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } seed ? seed : null;
}
