using System.Diagnostics.CodeAnalysis;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Molecule.Workspace.Agents;
using Molecule.Workspace.Infrastructure;
using Molecule.Workspace.Runtime;

namespace Molecule.Workspace;

/// <summary>Chooses the workspace's brain, returned by <see cref="MoleculeWorkspaceExtensions.AddMoleculeWorkspace"/>. The last agent added wins.</summary>
public sealed class MoleculeWorkspaceBuilder
{
    internal MoleculeWorkspaceBuilder(IServiceCollection services, IConfiguration configuration)
    {
        Services = services;
        Configuration = configuration;
    }

    /// <summary>The app's services, for the agent's own dependencies.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The app's configuration.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>Uses <typeparamref name="TAgent"/> as the agent, created once from DI (constructor injection works).</summary>
    /// <typeparam name="TAgent">The agent type.</typeparam>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder AddAgent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAgent>()
        where TAgent : class, IAgent
    {
        Services.Replace(ServiceDescriptor.Singleton<IAgent, TAgent>());
        return this;
    }

    /// <summary>Uses the agent <paramref name="factory"/> creates (once, from DI).</summary>
    /// <param name="factory">Creates the agent.</param>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder AddAgent(Func<IServiceProvider, IAgent> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>
    /// Uses a Microsoft Agent Framework agent as the brain: each A2A context gets its own session (a conversation
    /// continues across the tasks of one context), streamed text becomes answer chunks, files become artifacts, and
    /// canceling the task cancels the run.
    /// </summary>
    /// <param name="factory">Creates the agent (once, from DI).</param>
    /// <param name="maxContexts">Conversations kept; the least recently used are dropped past it.</param>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder AddAIAgent(Func<IServiceProvider, AIAgent> factory, int maxContexts = 1000)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxContexts, 1);
        return AddAgent(sp => new AIAgentAdapter(factory(sp), maxContexts, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Platform.Client.MoleculePlatform>()));
    }

    /// <summary>
    /// Uses the <see cref="IChatClient"/> registered in DI (OpenAI, Azure OpenAI, Ollama or your own) as a chat agent:
    /// an Agent Framework chat-client agent with the workspace's assembled system prompt (<see cref="WorkspacePrompt"/>),
    /// the platform's tools and the bounded history of <see cref="ChatAgentOptions"/> (section <c>Agent:Chat</c>),
    /// named after the card.
    /// </summary>
    /// <param name="configure">Sets the chat options in code, after configuration.</param>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder AddChatAgent(Action<ChatAgentOptions>? configure = null)
    {
        var options = Services.AddOptions<ChatAgentOptions>().BindConfiguration(ChatAgentOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatAgentOptions>, ChatAgentOptionsAnnotations>());
        Services.Replace(ServiceDescriptor.Singleton<IAgent>(sp =>
        {
            var chat = sp.GetRequiredService<IOptions<ChatAgentOptions>>().Value;
            var card = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var client = sp.GetService<IChatClient>() ?? throw new MoleculeWorkspaceConfigurationException(
                "AddChatAgent() needs an IChatClient in DI: register one (e.g. services.AddChatClient(...)) before the app starts.");
            // The instructions are the workspace's assembled prompt (platform instructions, prompt files, parent context,
            // skills, peers), with SystemPrompt where the config folder has no prompt file.
            var prompted = new PromptedChatClient(client, sp.GetRequiredService<WorkspacePrompt>(), chat.SystemPrompt);
            var agent = new ChatClientAgent(prompted, new ChatClientAgentOptions
            {
                Name = card.Name,
                Description = card.Description,
                ChatOptions = new ChatOptions
                {
                    // The agent framework invokes them and feeds the results back to the model; each call shows as progress.
                    Tools = chat.PlatformTools ? [.. PlatformTools.Create(sp.GetRequiredService<Platform.Client.MoleculePlatform>(), chat.DisabledTools, sp.GetRequiredService<DelegationResults>())] : null,
                },
#pragma warning disable MEAI001 // MessageCountingChatReducer is marked for evaluation in Microsoft.Extensions.AI 10.11.0
                ChatHistoryProvider = new InMemoryChatHistoryProvider(new InMemoryChatHistoryProviderOptions
                {
                    ChatReducer = new MessageCountingChatReducer(chat.HistoryMessages),
                }),
#pragma warning restore MEAI001
            }, sp.GetService<ILoggerFactory>(), sp);
            return new AIAgentAdapter(agent, chat.MaxContexts, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Platform.Client.MoleculePlatform>());
        }));
        return this;
    }

    /// <summary>
    /// Keeps tasks in <typeparamref name="TPersistence"/> (your database, say) instead of the default journal in
    /// <c>CONFIGS_DIR</c>. Created once from DI.
    /// </summary>
    /// <typeparam name="TPersistence">The store.</typeparam>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder UseTaskPersistence<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TPersistence>()
        where TPersistence : class, ITaskPersistence
    {
        Services.Replace(ServiceDescriptor.Singleton<ITaskPersistence, TPersistence>());
        return this;
    }

    /// <summary>Sets the agent card in code (name, description, version, skills), after configuration.</summary>
    /// <param name="configure">Changes the card.</param>
    /// <returns>This builder.</returns>
    public MoleculeWorkspaceBuilder ConfigureCard(Action<AgentOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}
