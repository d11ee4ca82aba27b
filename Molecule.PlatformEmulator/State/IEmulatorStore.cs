namespace Molecule.PlatformEmulator.State;

/// <summary>A store of platform state beyond the workspace rows; <c>POST /_emulator/reset</c> clears every one.</summary>
public interface IEmulatorStore
{
    void Clear();
}
