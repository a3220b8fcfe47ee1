using Microsoft.Playwright;

namespace Portal.TestSupport;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) launched by Playwright; nothing is downloaded. The flags keep Chromium off
/// the network (this machine has none: every name but 127.0.0.1 fails to resolve) and out of the sandbox (tests run
/// as root). Linked into each test project that drives a browser (Playwright stays out of TestSupport).
/// </summary>
public static class DebianChromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        });
}
