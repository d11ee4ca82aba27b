namespace Molecule.Browser.Tests.Infrastructure;

/// <summary>
/// A browser test class: a fresh <see cref="CanvasEnvironment"/> per test with the canvas open and signed in, or
/// nothing at all where Chromium is missing (the <see cref="BrowserFactAttribute"/> tests then skip with the reason).
/// </summary>
public abstract class CanvasTest : IAsyncLifetime
{
    protected CanvasEnvironment Env { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(BrowserFactAttribute.Chromium))
        {
            return;
        }

        Env = await CanvasEnvironment.StartAsync();
        await Env.OpenCanvasAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Env is not null)
        {
            await Env.DisposeAsync();
        }
    }
}
