using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>
/// Debian's Chromium driven by Playwright; nothing is downloaded. The flags keep Chromium
/// off the network (this machine has none) and out of the sandbox (tests run as root).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public static string ScreenshotDirectory { get; } =
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        // Browser journeys share two cores with the portal and the simulator: give expectations the same 15 s as actions.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await DebianChromium.LaunchAsync(_playwright);

        // The first page a freshly installed Chromium draws builds its font cache (seconds on a busy machine); do it
        // here, not inside the first journey's timeouts.
        var warm = await Browser.NewPageAsync();
        await warm.SetContentAsync("<p style='font-family:sans-serif'>warm-up</p>", new PageSetContentOptions { Timeout = 120_000 });
        await warm.ScreenshotAsync(new PageScreenshotOptions { Timeout = 120_000 });
        await warm.CloseAsync();
    }

    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1440, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
