using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Molecule.PlatformEmulator.Auth;
using Molecule.PlatformEmulator.Infrastructure;

namespace Molecule.PlatformEmulator.Tests;

/// <summary>
/// The emulator's shape, read by reflection from the running app and its assembly: every route on a feature group
/// with one declared auth tier, request bodies answered by the body convention, and no auth decision in a handler.
/// </summary>
public sealed class ArchitectureTests(EmulatorFactory factory) : IClassFixture<EmulatorFactory>
{
    private static readonly Assembly Emulator = typeof(PlatformAuth).Assembly;

    private IReadOnlyList<RouteEndpoint> Endpoints()
    {
        using var client = factory.CreateClient();   // builds the host
        return [.. factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()];
    }

    [Fact]
    public void Every_route_is_mapped_on_a_feature_group_and_declares_exactly_one_auth_tier()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} endpoints found");

        var problems = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var name = $"{endpoint.DisplayName} ({endpoint.RoutePattern.RawText})";
            if (endpoint.Metadata.GetMetadata<FeatureMetadata>() is null)
            {
                problems.Add($"{name}: mapped outside a feature group");
            }

            var tiers = endpoint.Metadata.GetOrderedMetadata<AuthTierMetadata>().Select(t => t.Tier).Distinct().ToArray();
            if (tiers.Length != 1)
            {
                problems.Add($"{name}: auth tiers [{string.Join(", ", tiers)}], expected exactly one");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_handler_that_reads_a_request_record_answers_its_rejection_through_the_body_convention()
    {
        var problems = new List<string>();
        foreach (var endpoint in Endpoints())
        {
            var handler = endpoint.Metadata.GetMetadata<MethodInfo>();
            var readsBody = handler?.GetParameters().Any(p => typeof(IBoundBody).IsAssignableFrom(p.ParameterType)) ?? false;
            if (readsBody && endpoint.Metadata.GetMetadata<RequestBodyMetadata>() is null)
            {
                problems.Add($"{endpoint.RoutePattern.RawText}: takes a body but is not mapped WithRequestBody()");
            }

            if (handler?.GetParameters().FirstOrDefault(p => p.ParameterType == typeof(PlatformAuth)) is { } auth)
            {
                problems.Add($"{endpoint.RoutePattern.RawText}: the handler takes {auth.ParameterType.Name}; auth belongs in a filter");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Only_the_auth_conventions_and_the_proxy_caller_policy_call_into_PlatformAuth()
    {
        var callers = CallersOf(m => m.DeclaringType == typeof(PlatformAuth))
            .Where(t => t.Namespace != typeof(PlatformAuth).Namespace && t.Name != "CallerPolicy")
            .Select(t => t.FullName).Distinct().ToArray();

        Assert.True(callers.Length == 0, "inline auth decisions in: " + string.Join(", ", callers));
    }

    [Fact]
    public void An_error_status_that_is_data_comes_only_from_a_fault_rule_or_an_agent()
    {
        var withStatus = typeof(ContractError).GetMethod(nameof(ContractError.WithStatus))!;
        var callers = CallersOf(m => m == withStatus).Select(t => t.Name).Distinct().Order().ToArray();

        Assert.All(callers, c => Assert.Contains(c, new[] { "FaultInjectionMiddleware", "ProxyOutcome" }));
    }

    /// <summary>The outermost declaring types whose method bodies call a method matching <paramref name="target"/>.</summary>
    private static IEnumerable<Type> CallersOf(Func<MethodBase, bool> target)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in Emulator.GetTypes())
        {
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (method.GetMethodBody()?.GetILAsByteArray() is not { } il)
                {
                    continue;
                }

                if (CalledMethods(method.Module, il, type, method).Any(target))
                {
                    var outer = type;
                    while (outer.DeclaringType is { } declaring)
                    {
                        outer = declaring;
                    }

                    yield return outer;
                }
            }
        }
    }

    /// <summary>
    /// The targets of <c>call</c>, <c>callvirt</c>, <c>newobj</c> and <c>ldftn</c> in <paramref name="il"/>: a scan for their
    /// opcodes followed by a method token, resolved in the method's generic context (false matches do not resolve).
    /// </summary>
    private static IEnumerable<MethodBase> CalledMethods(Module module, byte[] il, Type type, MethodBase method)
    {
        var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i + 4 < il.Length; i++)
        {
            var isCall = il[i] is 0x28 or 0x6F or 0x73 || (il[i] == 0xFE && i + 5 < il.Length && il[i + 1] == 0x06 && i++ >= 0);
            if (!isCall)
            {
                continue;
            }

            var token = BitConverter.ToInt32(il, i + 1);
            if ((token >> 24) is not (0x06 or 0x0A or 0x2B))
            {
                continue;
            }

            MethodBase? resolved;
            try
            {
                resolved = module.ResolveMethod(token, typeArguments, methodArguments);
            }
            catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
            {
                continue;
            }

            if (resolved is not null)
            {
                yield return resolved;
            }
        }
    }
}
