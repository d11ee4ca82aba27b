using Microsoft.Extensions.Logging;

namespace Molecule.Platform.Client;

/// <summary>The loop's log lines (never the token).</summary>
public sealed partial class HeartbeatLoop
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Registered as {WorkspaceId} with the platform at {PlatformUrl} (advertising {AgentUrl})")]
    private static partial void LogRegistered(ILogger logger, string workspaceId, Uri platformUrl, string agentUrl);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Platform unreachable at {PlatformUrl} ({Error}), retrying in {DelaySeconds} s")]
    private static partial void LogPlatformUnreachable(ILogger logger, Uri platformUrl, string error, string delaySeconds);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Registration rejected ({Error}): is the URL {AgentUrl} refused by the platform? Set AGENT_URL to an address the platform accepts. Retrying in {DelaySeconds} s")]
    private static partial void LogRegistrationRejected(ILogger logger, string error, string agentUrl, string delaySeconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Token refused by the platform ({Error}); the token in {TokenFile} is no longer valid: rotate the token (POST /workspaces/{{id}}/tokens) or recreate the workspace. Retrying in {DelaySeconds} s")]
    private static partial void LogTokenRefused(ILogger logger, string error, string tokenFile, string delaySeconds);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Registration needs a token ({Error}): the platform already issued one for this workspace. Provide it as WORKSPACE_AUTH_TOKEN or in {TokenFile}, or mint a new one (POST /workspaces/{{id}}/tokens). Retrying in {DelaySeconds} s")]
    private static partial void LogTokenMissing(ILogger logger, string error, string tokenFile, string delaySeconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Token file changed on disk; using the new token")]
    private static partial void LogTokenFileChanged(ILogger logger);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Saved the workspace token to {TokenFile}")]
    private static partial void LogTokenSaved(ILogger logger, string tokenFile);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Heartbeat failed: {Error}, retrying in {DelaySeconds} s")]
    private static partial void LogHeartbeatFailed(ILogger logger, string error, string delaySeconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Heartbeat refused as malformed ({Error}): this is a contract bug, please report it")]
    private static partial void LogHeartbeatContractBug(ILogger logger, string error);

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "The platform does not recognise this workspace ({Source} answered {Error}); re-registering")]
    private static partial void LogReregistering(ILogger logger, string source, string error);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Workspace {WorkspaceId} was deleted on the platform ({Reason}); shutting down")]
    private static partial void LogDeleted(ILogger logger, string workspaceId, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "The platform reports this workspace {State}; registering again so it routes to the agent's URL")]
    private static partial void LogReprovisionedReregistering(ILogger logger, string state);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Agent card change sent to the platform")]
    private static partial void LogCardUpdated(ILogger logger);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Agent card update failed: {Error}; retrying later")]
    private static partial void LogCardUpdateFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 132, Level = LogLevel.Error, Message = "A HeartbeatSucceeded handler failed")]
    private static partial void LogHeartbeatHandlerFailed(ILogger logger, Exception exception);
}
