using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenAI;

namespace Molecule.Workspace.Agents;

/// <summary>Which built-in agent answers: <c>AGENT_KIND</c> (or <c>Agent:Kind</c>), and the chat agent's model endpoint.</summary>
internal sealed class BuiltInAgentOptions
{
    public string Kind { get; set; } = "echo";

    /// <summary>Base URL of an OpenAI-compatible API (<c>OPENAI_BASE_URL</c>, or <c>Agent:Chat:BaseUrl</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Model name (<c>OPENAI_MODEL</c>, or <c>Agent:Chat:Model</c>).</summary>
    public string? Model { get; set; }

    /// <summary>API key (<c>OPENAI_API_KEY</c>, or <c>Agent:Chat:ApiKey</c>); local servers accept any value. Never logged.</summary>
    public string? ApiKey { get; set; }

    public static BuiltInAgentOptions Read(IConfiguration configuration)
    {
        var options = new BuiltInAgentOptions
        {
            Kind = (First(configuration, "AGENT_KIND", "Agent:Kind") ?? "echo").Trim().ToLowerInvariant(),
            BaseUrl = First(configuration, "OPENAI_BASE_URL", "Agent:Chat:BaseUrl"),
            Model = First(configuration, "OPENAI_MODEL", "Agent:Chat:Model"),
            ApiKey = First(configuration, "OPENAI_API_KEY", "Agent:Chat:ApiKey"),
        };
        return options;
    }

    /// <summary>The first problem, in one line naming the setting; null when the settings work.</summary>
    public string? Validate()
    {
        if (Kind is not ("echo" or "chat"))
        {
            return $"AGENT_KIND must be 'echo' or 'chat'; got '{Kind}'.";
        }

        if (Kind != "chat")
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(BaseUrl) || !Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"OPENAI_BASE_URL must be the absolute http(s) URL of an OpenAI-compatible API when AGENT_KIND=chat; got '{BaseUrl}'.";
        }

        return string.IsNullOrWhiteSpace(Model) ? "OPENAI_MODEL is required when AGENT_KIND=chat (e.g. gpt-4o-mini, llama3.1)." : null;
    }

    private static string? First(IConfiguration configuration, string flat, string key) =>
        configuration[flat] is { Length: > 0 } value ? value : configuration[key] is { Length: > 0 } nested ? nested : null;
}

internal static class BuiltInAgents
{
    public const string ChatHttpClient = "chat-model";

    /// <summary>The agent <c>AGENT_KIND</c> names: <c>echo</c> (default) or <c>chat</c> over an OpenAI-compatible endpoint.</summary>
    public static MoleculeWorkspaceBuilder AddBuiltInAgent(this MoleculeWorkspaceBuilder workspace)
    {
        var options = BuiltInAgentOptions.Read(workspace.Configuration);
        if (options.Validate() is { } problem)
        {
            throw new MoleculeWorkspaceConfigurationException(problem);
        }

        workspace.Services.PostConfigure<AgentOptions>(card =>
        {
            if (card.Skills.Count == 0)
            {
                card.Skills = options.Kind == "chat" ? [ChatSkill, WorkSkillCard] : [EchoSkill, WorkSkillCard];
            }
        });

        if (options.Kind != "chat")
        {
            return workspace.AddAgent<EchoAgent>();
        }

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental in Microsoft.Extensions.Http.Resilience 10.11.0
        // Streaming model calls: no total-request timeout, and retrying half an answer is wrong.
        workspace.Services.AddHttpClient(ChatHttpClient).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        workspace.Services.TryAddSingleton(sp => CreateChatClient(sp, options));
        workspace.AddChatAgent();

        // The chat agent with the long-running demo skill in front of it.
        var chat = workspace.Services.Last(d => d.ServiceType == typeof(IAgent)).ImplementationFactory!;
        return workspace.AddAgent(sp => new WorkOrChatAgent((IAgent)chat(sp), sp.GetRequiredService<TimeProvider>()));
    }

    private static IChatClient CreateChatClient(IServiceProvider services, BuiltInAgentOptions options)
    {
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(ChatHttpClient);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(options.BaseUrl!),
            Transport = new HttpClientPipelineTransport(http),
            NetworkTimeout = TimeSpan.FromMinutes(10),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        return new ModelEndpointErrors(client.GetChatClient(options.Model!).AsIChatClient());
    }

    private static SkillOptions EchoSkill => new()
    {
        Id = "echo",
        Name = "Echo",
        Description = "Repeats the message back, streamed word by word.",
        Tags = ["echo", "test"],
        Examples = ["hello", "ask me something"],
    };

    private static SkillOptions ChatSkill => new()
    {
        Id = "chat",
        Name = "Chat",
        Description = "Answers a message with a language model, remembering the conversation.",
        Tags = ["chat", "llm"],
        Examples = ["Summarise the Q3 report"],
    };

    private static SkillOptions WorkSkillCard => new()
    {
        Id = "work",
        Name = "Work",
        Description = "A long-running task that streams progress once a second ('work 20s').",
        Tags = ["long-running", "demo"],
        Examples = ["work 20s"],
    };
}
