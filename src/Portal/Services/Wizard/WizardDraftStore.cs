using System.Text.Json;
using Microsoft.JSInterop;
using Portal.Domain.Deployments;

namespace Portal.Services.Wizard;

/// <summary>
/// Keeps the wizard's draft in the browser's local storage, so a reload (or a closed tab) loses
/// nothing; cleared after a deploy. The pasted token is never written (see <see cref="WizardDraft.TokenValue"/>).
/// </summary>
public sealed class WizardDraftStore(IJSRuntime js)
{
    public const string Key = "inference-portal.deploy-wizard.draft.v1";

    public async Task<WizardDraft?> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var json = await js.InvokeAsync<string?>("localStorage.getItem", cancellationToken, Key);
            return string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<WizardDraft>(json, PortalJson.Options);
        }
        catch (JsonException)
        {
            return null; // a draft from an older shape: start afresh
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return null;
        }
    }

    public async Task SaveAsync(WizardDraft draft, CancellationToken cancellationToken)
    {
        try
        {
            await js.InvokeVoidAsync("localStorage.setItem", cancellationToken, Key, JsonSerializer.Serialize(draft, PortalJson.Options));
        }
        catch (Exception e) when (IsUnavailable(e))
        {
        }
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        try
        {
            await js.InvokeVoidAsync("localStorage.removeItem", cancellationToken, Key);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
        }
    }

    // Prerendering (no JS yet), a closed circuit, or a browser that refuses storage: the wizard works without a draft.
    private static bool IsUnavailable(Exception e) =>
        e is JSException or JSDisconnectedException or InvalidOperationException or TaskCanceledException;
}
