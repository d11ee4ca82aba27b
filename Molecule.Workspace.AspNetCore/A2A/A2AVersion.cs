using System.Globalization;

namespace Molecule.Workspace.A2A;

/// <summary>Which A2A wire format a request asked for (header <c>A2A-Version</c>; absent means 0.3).</summary>
internal enum A2AVersion
{
    V03,
    V10,
}

/// <summary>How each A2A version spells task states and timestamps.</summary>
internal static class WireNames
{
    public static string StateName(TaskState state, A2AVersion version) => version == A2AVersion.V03 ? StateName03(state) : StateName10(state);

    public static string StateName03(TaskState state) => state switch
    {
        TaskState.Submitted => "submitted",
        TaskState.Working => "working",
        TaskState.InputRequired => "input-required",
        TaskState.AuthRequired => "auth-required",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Canceled => "canceled",
        TaskState.Rejected => "rejected",
        _ => "unknown",
    };

    public static string StateName10(TaskState state) => state switch
    {
        TaskState.Submitted => "TASK_STATE_SUBMITTED",
        TaskState.Working => "TASK_STATE_WORKING",
        TaskState.InputRequired => "TASK_STATE_INPUT_REQUIRED",
        TaskState.AuthRequired => "TASK_STATE_AUTH_REQUIRED",
        TaskState.Completed => "TASK_STATE_COMPLETED",
        TaskState.Failed => "TASK_STATE_FAILED",
        TaskState.Canceled => "TASK_STATE_CANCELED",
        TaskState.Rejected => "TASK_STATE_REJECTED",
        _ => "TASK_STATE_UNSPECIFIED",
    };

    public static TaskState? ParseState(string? name)
    {
        foreach (var state in Enum.GetValues<TaskState>())
        {
            if (string.Equals(name, StateName03(state), StringComparison.OrdinalIgnoreCase) ||
                string.Equals(name, StateName10(state), StringComparison.OrdinalIgnoreCase))
            {
                return state;
            }
        }

        return null;
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
