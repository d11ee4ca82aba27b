namespace Molecule.PlatformEmulator.Tests;

/// <summary>
/// The fidelity this run's emulators follow when a test does not pin one: CI runs the suite a second time with
/// <c>Emulator__Fidelity=Strict</c>, and the tests whose subject is a Compatible fix assert the real platform's
/// answer (contract §3) in that run instead.
/// </summary>
internal static class Fidelity
{
    public static bool Strict => string.Equals(Environment.GetEnvironmentVariable("Emulator__Fidelity"), "Strict", StringComparison.OrdinalIgnoreCase);

    /// <summary>§3 row 12: the datastore errors the real platform lets leak as a 500.</summary>
    public static readonly IReadOnlySet<string> LeakedDatastoreErrors =
        new HashSet<string>(["registration failed", "failed to update", "failed to update card", "lookup failed", "failed to create workspace"]);
}
