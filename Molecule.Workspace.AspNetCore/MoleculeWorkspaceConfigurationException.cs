namespace Molecule.Workspace;

/// <summary>A workspace setting is missing or invalid; the message names it (and its value, unless the value is a secret).</summary>
public sealed class MoleculeWorkspaceConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the setting.</param>
    public MoleculeWorkspaceConfigurationException(string message)
        : base(message)
    {
    }
}
