using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Portal.Application.Security;
using Portal.Services;

namespace Portal.Components.Settings;

public sealed partial class ApiKeysPanel : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private IReadOnlyList<ApiKeyRow>? _keys;
    private CreatedApiKey? _created;
    private string _newName = "";
    private bool _creating;
    private string? _userId;

    [Inject]
    public required ApiKeyService Keys { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>Admins see and revoke every user's keys; everyone else only their own.</summary>
    [Parameter, EditorRequired]
    public bool IsAdmin { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthState { get; set; } = default!;

    private string GatewayBaseUrl => Navigation.BaseUri.TrimEnd('/') + "/v1";

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier);
        await LoadAsync();
    }

    private async Task LoadAsync() =>
        _keys = _userId is null ? [] : await Keys.ListAsync(_userId, IsAdmin, _disposed.Token);

    private async Task CreateAsync()
    {
        if (_userId is null)
        {
            return;
        }

        _creating = true;
        try
        {
            var name = string.IsNullOrWhiteSpace(_newName) ? "api key" : _newName.Trim();
            _created = await Keys.CreateAsync(_userId, name, _disposed.Token);
            _newName = "";
            await LoadAsync();
        }
        finally
        {
            _creating = false;
        }
    }

    private async Task CopyAsync()
    {
        if (_created is null)
        {
            return;
        }

        try
        {
            await Js.InvokeVoidAsync("navigator.clipboard.writeText", _disposed.Token, _created.Key);
            Snackbar.Add("Copied the key.", Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser refused the clipboard: select the key and copy it by hand.", Severity.Warning);
        }
    }

    private async Task RevokeAsync(ApiKeyRow key)
    {
        if (_userId is null)
        {
            return;
        }

        if (await Keys.RevokeAsync(key.Id, _userId, IsAdmin, _disposed.Token))
        {
            Snackbar.Add($"Revoked {key.Name} ({key.Prefix}…): programs using it now get 401.", Severity.Success);
            if (_created?.Id == key.Id)
            {
                _created = null;
            }
        }
        else
        {
            Snackbar.Add("That key is not yours to revoke.", Severity.Error);
        }

        await LoadAsync();
    }

    private string Age(DateTimeOffset at) => AgeFormatter.Format(Time.GetUtcNow() - at);

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
