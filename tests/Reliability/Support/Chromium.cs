using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.Reliability.Support;

/// <summary>
/// Debian's Chromium driven by Playwright (nothing downloaded), off the network. Pages record their console
/// messages, dialogs and page errors, so a test can say that no script ran and no policy was violated.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public static string ScreenshotDirectory { get; } =
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await DebianChromium.LaunchAsync(_playwright);
    }

    public async Task<WatchedPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        return new WatchedPage(await context.NewPageAsync());
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

/// <summary>A page and what it reported: console lines, JavaScript dialogs (which are dismissed), uncaught errors.</summary>
public sealed class WatchedPage
{
    private readonly List<string> _console = [];
    private readonly List<string> _dialogs = [];
    private readonly List<string> _errors = [];

    public WatchedPage(IPage page)
    {
        Page = page;
        page.Console += (_, message) => Add(_console, $"{message.Type}: {message.Text}");
        page.PageError += (_, error) => Add(_errors, error);
        page.Dialog += async (_, dialog) =>
        {
            Add(_dialogs, $"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Console => Snapshot(_console);

    public IReadOnlyList<string> Dialogs => Snapshot(_dialogs);

    public IReadOnlyList<string> Errors => Snapshot(_errors);

    /// <summary>Console lines that report a Content-Security-Policy violation.</summary>
    public IReadOnlyList<string> CspViolations => Console.Where(line => line.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)).ToList();

    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync("account/login");
        await Page.FillAsync("#email", email);
        await Page.FillAsync("#password", password);
        await Page.ClickAsync("#sign-in");
        await WaitForInteractiveAsync();
    }

    public Task WaitForInteractiveAsync() =>
        Page.WaitForSelectorAsync("#render-mode:text('interactive')", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    private static void Add(List<string> list, string line)
    {
        lock (list)
        {
            list.Add(line);
        }
    }

    private static IReadOnlyList<string> Snapshot(List<string> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }
}
