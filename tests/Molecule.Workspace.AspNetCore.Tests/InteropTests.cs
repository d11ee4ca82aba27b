using System.Globalization;
using System.Runtime.CompilerServices;
using Molecule.Workspace.AspNetCore.Tests.Infrastructure;

namespace Molecule.Workspace.AspNetCore.Tests;

/// <summary>
/// The official <c>@a2a-js/sdk</c> client (tests/interop) against a workspace built from the library with a custom
/// agent of the test's own, on real Kestrel: the A2A surface is the library's, whoever writes the agent.
/// </summary>
[Trait("Category", "Interop")]
public sealed class InteropTests
{
    [InteropFact]
    public async Task The_a2a_js_sdk_client_passes_every_interop_check_against_a_custom_agent()
    {
        await using var host = await WorkspaceHost.StartAsync(
            workspace => workspace.AddAgent<InteropAgent>().ConfigureCard(card => card.Skills.Add(new SkillOptions { Id = "echo", Name = "Echo" })),
            kestrel: true);

        await InteropFactAttribute.RunSuiteAsync(host.Url!);
    }

    /// <summary>What the interop suite expects of an agent: "Echo: …" answers, and "work Ns" runs for N seconds with progress.</summary>
    private sealed class InteropAgent(TimeProvider time) : IAgent
    {
        public async IAsyncEnumerable<AgentUpdate> RunAsync(AgentRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var text = request.Message.Text;
            if (text.StartsWith("work ", StringComparison.Ordinal) && text.EndsWith('s'))
            {
                var seconds = int.Parse(text[5..^1], CultureInfo.InvariantCulture);
                for (var second = 1; second <= seconds; second++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                    yield return new AgentProgress($"working: {second}/{seconds} s");
                }

                yield return new AgentText("done");
                yield break;
            }

            yield return new AgentText("Echo: ");
            yield return new AgentText(text);
        }
    }
}
