namespace Molecule.AppHost;

/// <summary>Resource names shared by the AppHost and its tests.</summary>
public static class ResourceNames
{
    public const string Platform = "platform";
    public const string Workspace = "workspace";
    public const string AdminToken = "admin-token";
    public const string Sample = "summarizer";

    /// <summary>The first workspace is "workspace"; the others "workspace-2", "workspace-3", …</summary>
    public static string WorkspaceAt(int index) => index == 0 ? Workspace : $"{Workspace}-{index + 1}";
}
