using Microsoft.Extensions.DependencyInjection.Extensions;
using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Agent.Agents;
using Molecule.Workspace.Agent.Tasks;
using OpenAI;
using YamlDotNet.RepresentationModel;

namespace Molecule.Workspace.Agent;

public static class AgentServices
{
    public const string ChatHttpClient = "chat-model";

    /// <summary>The agent side: card, task store, JSON-RPC handler and the configured <see cref="IAgent"/>.</summary>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder)
    {
        var settings = builder.GetWorkspaceSettings();
        AddConfigYaml(builder.Configuration, settings.ConfigsDir);

        // Bound and validated once, now: a bad setting stops the process with one line naming it, not a start-up stack trace.
        var agent = new AgentOptions();
        builder.Configuration.GetSection(AgentOptions.SectionName).Bind(agent);
        ApplyFlatSettings(agent, builder.Configuration);
        if (new AgentOptionsAnnotations().Validate(null, agent) is { Failed: true } annotated)
        {
            // "Agent:KeepAliveInterval: The field … must be between …": the configuration key (env form Agent__…) first.
            throw new WorkspaceConfigurationException(string.Join(" ", annotated.Failures.Select(f => $"{AgentOptions.SectionName}:{f}")));
        }

        if (new AgentOptionsValidator().Validate(null, agent) is { Failed: true } invalid)
        {
            throw new WorkspaceConfigurationException(invalid.FailureMessage);
        }

        builder.Services.AddSingleton(Options.Create(agent));

        builder.Services.AddOptions<TaskStoreOptions>()
            .BindConfiguration(TaskStoreOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TaskStoreOptions>, TaskStoreOptionsAnnotations>();

        builder.Services.AddSingleton<AgentCard>();
        builder.Services.AddSingleton<TaskManager>();
        builder.Services.AddSingleton<A2AHandler>();
        builder.Services.AddHostedService<TaskJanitor>();
        builder.Services.TryAddSingleton<IAgentActivitySink, NullActivitySink>();

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental in Microsoft.Extensions.Http.Resilience 10.11.0
        // Streaming model calls: no total-request timeout, and retrying half an answer is wrong.
        builder.Services.AddHttpClient(ChatHttpClient).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<IAgent>(CreateAgent);
        return builder;
    }

    private static IAgent CreateAgent(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AgentOptions>>();
        var time = services.GetRequiredService<TimeProvider>();
        if (!string.Equals(options.Value.Kind, "chat", StringComparison.OrdinalIgnoreCase))
        {
            return new EchoAgent(time);
        }

        var chat = options.Value.Chat;
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(ChatHttpClient);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(chat.ApiKey) ? "unused" : chat.ApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(chat.BaseUrl!),
            Transport = new HttpClientPipelineTransport(http),
            NetworkTimeout = TimeSpan.FromMinutes(10),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        IChatClient chatClient = client.GetChatClient(chat.Model!).AsIChatClient();
        return new ChatAgent(chatClient, options, time);
    }

    private static void ApplyFlatSettings(AgentOptions options, IConfiguration configuration)
    {
        options.Name = configuration["AGENT_NAME"] is { Length: > 0 } name ? name : options.Name;
        options.Description = configuration["AGENT_DESCRIPTION"] is { Length: > 0 } description ? description : options.Description;
        options.Version = configuration["AGENT_VERSION"] is { Length: > 0 } version ? version : options.Version;
        options.Kind = configuration["AGENT_KIND"] is { Length: > 0 } kind ? kind.Trim().ToLowerInvariant() : options.Kind.Trim().ToLowerInvariant();
        options.Chat.BaseUrl = configuration["OPENAI_BASE_URL"] is { Length: > 0 } baseUrl ? baseUrl : options.Chat.BaseUrl;
        options.Chat.Model = configuration["OPENAI_MODEL"] is { Length: > 0 } model ? model : options.Chat.Model;
        options.Chat.ApiKey = configuration["OPENAI_API_KEY"] is { Length: > 0 } key ? key : options.Chat.ApiKey;
        if (options.Skills.Count == 0)
        {
            options.Skills = options.Kind == "chat" ? [ChatSkill, WorkSkill] : [EchoSkill, WorkSkill];
        }
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

    private static SkillOptions WorkSkill => new()
    {
        Id = "work",
        Name = "Work",
        Description = "A long-running task that streams progress once a second ('work 20s').",
        Tags = ["long-running", "demo"],
        Examples = ["work 20s"],
    };

    /// <summary>
    /// Reads <c>CONFIGS_DIR/config.yaml</c> (name, description, version, skills) as the lowest-precedence source, so the
    /// real runtime's volume layout works unchanged and environment variables still win.
    /// </summary>
    private static void AddConfigYaml(IConfigurationManager configuration, string configsDir)
    {
        var path = Path.Combine(configsDir, "config.yaml");
        if (!File.Exists(path))
        {
            return;
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(path))
            {
                yaml.Load(reader);
            }

            if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode root)
            {
                foreach (var key in (string[])["name", "description", "version"])
                {
                    if (root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar)
                    {
                        values[$"Agent:{key}"] = scalar.Value;
                    }
                }

                if (root.Children.TryGetValue(new YamlScalarNode("skills"), out var skills) && skills is YamlSequenceNode list)
                {
                    var index = 0;
                    foreach (var skill in list)
                    {
                        var prefix = $"Agent:Skills:{index++}:";
                        if (skill is YamlScalarNode named)
                        {
                            values[prefix + "Id"] = named.Value;
                            continue;
                        }

                        if (skill is not YamlMappingNode map)
                        {
                            continue;
                        }

                        foreach (var (keyNode, valueNode) in map.Children)
                        {
                            var key = ((YamlScalarNode)keyNode).Value;
                            if (valueNode is YamlScalarNode value)
                            {
                                values[prefix + key] = value.Value;
                            }
                            else if (valueNode is YamlSequenceNode items)
                            {
                                var i = 0;
                                foreach (var item in items.OfType<YamlScalarNode>())
                                {
                                    values[$"{prefix}{key}:{i++}"] = item.Value;
                                }
                            }
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or IOException or InvalidCastException)
        {
            throw new WorkspaceConfigurationException($"{path} is not valid YAML: {ex.Message}");
        }

        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };
        configuration.Sources.Insert(0, source);
    }
}

internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        if (options.Kind is not ("echo" or "chat"))
        {
            return ValidateOptionsResult.Fail($"AGENT_KIND must be 'echo' or 'chat'; got '{options.Kind}'.");
        }

        if (options.Kind == "chat")
        {
            if (string.IsNullOrWhiteSpace(options.Chat.BaseUrl) || !Uri.TryCreate(options.Chat.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return ValidateOptionsResult.Fail($"OPENAI_BASE_URL must be the absolute http(s) URL of an OpenAI-compatible API when AGENT_KIND=chat; got '{options.Chat.BaseUrl}'.");
            }

            if (string.IsNullOrWhiteSpace(options.Chat.Model))
            {
                return ValidateOptionsResult.Fail("OPENAI_MODEL is required when AGENT_KIND=chat (e.g. gpt-4o-mini, llama3.1).");
            }
        }

        var duplicate = options.Skills.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return ValidateOptionsResult.Fail($"Agent skills must have unique ids; '{duplicate.Key}' appears {duplicate.Count()} times.");
        }

        var blank = options.Skills.FindIndex(s => string.IsNullOrWhiteSpace(s.Id));
        return blank >= 0
            ? ValidateOptionsResult.Fail($"Agent:Skills:{blank}:Id is required.")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>Drops terminal tasks past their TTL once a minute.</summary>
internal sealed class TaskJanitor(TaskManager tasks, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                tasks.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
