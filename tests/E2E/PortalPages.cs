using Microsoft.Playwright;

namespace Portal.E2E;

/// <summary>Steps a user takes in the portal, shared by the browser tests.</summary>
public static class PortalPages
{
    public static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await WaitForInteractiveAsync(page);
    }

    /// <summary>Waits until the Blazor circuit is live, so clicks reach the server.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.WaitForSelectorAsync("#render-mode:text('interactive')", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
}
