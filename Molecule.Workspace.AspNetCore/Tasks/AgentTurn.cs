namespace Molecule.Workspace.Tasks;

/// <summary>The turn the agent is running on this flow (tools called inside it learn their task and conversation from it).</summary>
internal static class AgentTurn
{
    private static readonly AsyncLocal<AgentRequest?> Running = new();

    public static AgentRequest? Current => Running.Value;

    /// <summary>Marks <paramref name="request"/> as running until the returned scope is disposed.</summary>
    public static Scope Enter(AgentRequest request)
    {
        var previous = Running.Value;
        Running.Value = request;
        return new Scope(previous);
    }

    public readonly struct Scope(AgentRequest? previous) : IDisposable
    {
        public void Dispose() => Running.Value = previous;
    }
}
