using Molecule.Workspace.Agents;

namespace Molecule.Workspace.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData("work 20s", 20_000)]
    [InlineData("work 500ms", 500)]
    [InlineData("WORK 2m", 120_000)]
    [InlineData("work", 10_000)]
    [InlineData("slow job", 5_000)]
    public void Work_commands_parse(string text, int milliseconds) => Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), WorkSkill.Parse(text));
}
