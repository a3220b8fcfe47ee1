using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;
using Portal.Components.Playground;
using Portal.Gateway;
using Portal.Services.Playground;

namespace Portal.Components.Pages;

/// <summary>
/// Chat with any ready deployment, or with two or three side by side. Requests go through the
/// gateway's code path in process; the page re-renders at most every 50 ms while replies stream.
/// </summary>
public sealed partial class Playground : IAsyncDisposable
{
    private const string StorageKey = "playground-conversation";
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(50);

    private readonly CancellationTokenSource _disposed = new();
    private IReadOnlyList<ChatTarget> _targets = [];
    private string? _selected;
    private IReadOnlyCollection<string> _compareSelection = [];
    private bool _compare;
    private string _prompt = "";
    private ClaimsPrincipal _user = new();
    private bool _restored;

    [Inject]
    public required PlaygroundSession Session { get; init; }

    [Inject]
    public required GatewayRouteTable Routes { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    [Inject]
    public required ProtectedSessionStorage TabStorage { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>Preselects a deployment, as the deployment page's "Open in playground" does.</summary>
    [SupplyParameterFromQuery(Name = "deployment")]
    public string? Deployment { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthState { get; set; } = default!;

    private string GatewayBaseUrl => Navigation.BaseUri.TrimEnd('/') + "/v1";

    private string SystemPrompt
    {
        get => Session.Settings.SystemPrompt;
        set => Session.Settings = Session.Settings with { SystemPrompt = value ?? "" };
    }

    private double Temperature
    {
        get => Session.Settings.Temperature;
        set => Session.Settings = Session.Settings with { Temperature = value };
    }

    private double TopP
    {
        get => Session.Settings.TopP;
        set => Session.Settings = Session.Settings with { TopP = value };
    }

    private int MaxTokens
    {
        get => Session.Settings.MaxTokens;
        set => Session.Settings = Session.Settings with { MaxTokens = Math.Clamp(value, 1, 32768) };
    }

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthState).User;
        _targets = TargetsOf(Routes.Current);
        Routes.Changed += OnRoutesChanged;
        _selected = _targets.FirstOrDefault(t => t.Deployment == Deployment)?.Deployment ?? _targets.FirstOrDefault()?.Deployment;
        ApplySelection();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || !RendererInfo.IsInteractive || _restored)
        {
            return;
        }

        _restored = true;
        try
        {
            var saved = await TabStorage.GetAsync<string>(StorageKey);
            if (saved is { Success: true, Value: { } json } && Deployment is null && Session.Import(json, _targets))
            {
                _compare = Session.Columns.Count > 1;
                _compareSelection = Session.Columns.Select(c => c.Target.Deployment).ToList();
                _selected = Session.Columns[0].Target.Deployment;
                StateHasChanged();
            }
        }
        catch (Exception e) when (e is JSException or System.Security.Cryptography.CryptographicException or System.Text.Json.JsonException)
        {
            // A copy from another key ring or an older shape: start afresh.
        }
    }

    private static IReadOnlyList<ChatTarget> TargetsOf(GatewayRouteSnapshot snapshot) =>
        snapshot.Deployments.Where(d => d.IsServing || d.WakesFromZero).Select(d => new ChatTarget(d.Name, d.Framework, d.ModelName, d.Pods.Count)).ToList();

    private static string Label(ChatTarget target) => $"{target.Deployment} · {target.Framework} · {target.Model}";

    private void OnRoutesChanged(GatewayRouteSnapshot snapshot)
    {
        var targets = TargetsOf(snapshot);
        if (targets.SequenceEqual(_targets))
        {
            return;
        }

        _ = InvokeAsync(() =>
        {
            _targets = targets;
            _selected ??= _targets.FirstOrDefault()?.Deployment;
            if (!Session.IsStreaming)
            {
                ApplySelection();
            }

            StateHasChanged();
        });
    }

    private void ApplySelection()
    {
        var wanted = _compare ? _compareSelection : _selected is null ? [] : [_selected];
        Session.SetTargets(wanted.Select(name => _targets.FirstOrDefault(t => t.Deployment == name)).OfType<ChatTarget>().ToList());
    }

    private Task SelectAsync(string deployment)
    {
        _selected = deployment;
        ApplySelection();
        return Task.CompletedTask;
    }

    private Task SetCompareAsync(bool compare)
    {
        _compare = compare;
        if (compare && _compareSelection.Count == 0 && _selected is not null)
        {
            _compareSelection = [_selected];
        }

        ApplySelection();
        return Task.CompletedTask;
    }

    private Task SetComparedAsync(IEnumerable<string> deployments)
    {
        _compareSelection = deployments.Take(PlaygroundSession.MaxCompared).ToList();
        ApplySelection();
        return Task.CompletedTask;
    }

    private async Task OnPromptKeyAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && !e.ShiftKey)
        {
            await SendAsync();
        }
    }

    private async Task SendAsync()
    {
        var prompt = _prompt;
        if (string.IsNullOrWhiteSpace(prompt) || Session.IsStreaming)
        {
            return;
        }

        _prompt = "";
        await RunAsync(Session.SendAsync(_user, prompt, _disposed.Token));
    }

    private Task RegenerateAsync() => RunAsync(Session.RegenerateAsync(_user, _disposed.Token));

    private void Stop() => Session.Stop();

    private async Task ClearAsync()
    {
        Session.Clear();
        await SaveAsync();
    }

    /// <summary>Renders every 50 ms while <paramref name="generation"/> streams, then once more and saves the tab's copy.</summary>
    private async Task RunAsync(Task generation)
    {
        StateHasChanged();
        using var timer = new PeriodicTimer(RenderEvery, Time);
        var shown = -1L;
        while (!generation.IsCompleted)
        {
            var tick = timer.WaitForNextTickAsync(_disposed.Token).AsTask();
            await Task.WhenAny(generation, tick);
            var signature = Signature();
            if (signature != shown)
            {
                shown = signature;
                StateHasChanged();
            }
        }

        await generation;
        StateHasChanged();
        await SaveAsync();
    }

    /// <summary>Changes when any reply grew or changed state, so unchanged ticks cost no render.</summary>
    private long Signature() => Session.Columns.Sum(c => c.Turns.Sum(t => (long)t.Length * 4 + (int)t.Status)) + Session.Version;

    private async Task SaveAsync()
    {
        try
        {
            await TabStorage.SetAsync(StorageKey, Session.ExportJson(Time.GetUtcNow()));
        }
        catch (Exception e) when (e is JSException or JSDisconnectedException or InvalidOperationException)
        {
            // The tab is gone or not interactive yet; nothing to keep.
        }
    }

    private string ExportHref() => "data:application/json;charset=utf-8," + Uri.EscapeDataString(Session.ExportJson(Time.GetUtcNow()));

    private async Task ViewCodeAsync()
    {
        var column = Session.Columns.FirstOrDefault();
        if (column is null)
        {
            return;
        }

        var messages = column.Turns.Where(t => t.Status is TurnStatus.Done or TurnStatus.Stopped).Select(t => (t.Role, t.Text)).ToList();
        if (messages.Count == 0 || messages[^1].Role != "user")
        {
            messages.Add(("user", string.IsNullOrWhiteSpace(_prompt) ? "Hello!" : _prompt));
        }

        var parameters = new DialogParameters<ViewCodeDialog>
        {
            { d => d.Curl, CodeSnippets.Curl(GatewayBaseUrl, column.Target.Model, Session.Settings, messages) },
            { d => d.Python, CodeSnippets.Python(GatewayBaseUrl, column.Target.Model, Session.Settings, messages) },
            { d => d.CSharp, CodeSnippets.CSharp(GatewayBaseUrl, column.Target.Model, Session.Settings, messages) },
        };
        await Dialogs.ShowAsync<ViewCodeDialog>($"Call {column.Target.Deployment} from code", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true });
    }

    private async Task CopyAsync(string text)
    {
        try
        {
            await Js.InvokeVoidAsync("navigator.clipboard.writeText", _disposed.Token, text);
            Snackbar.Add("Copied the reply.", Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add("The browser refused the clipboard.", Severity.Warning);
        }
    }

    public ValueTask DisposeAsync()
    {
        Routes.Changed -= OnRoutesChanged;
        Session.Stop();
        // Cancelled, not disposed: a render loop may still be reading the token as the circuit goes.
        _disposed.Cancel();
        return ValueTask.CompletedTask;
    }
}
