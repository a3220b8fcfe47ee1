using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Components.Deployments.Dialogs;
using Portal.Domain.Deployments;
using Portal.Services.Deployments;

namespace Portal.Components.Pages;

/// <summary>
/// One deployment, live: the stored state re-read on every DeploymentChanges signal for it, and its
/// pods and events re-read from the cluster every few seconds while the page is open.
/// </summary>
public sealed partial class DeploymentDetails : IAsyncDisposable
{
    /// <summary>How often pods and events are read from the cluster while the page is open.</summary>
    public static readonly TimeSpan ClusterRefreshInterval = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _disposed = new();
    private CoalescingRefresh? _refresh;
    private ITimer? _timer;
    private Deployment? _deployment;
    private IReadOnlyList<Operation> _operations = [];
    private IReadOnlyList<PodInfo>? _pods;
    private IReadOnlyDictionary<string, IReadOnlyList<string>> _crashLogs = new Dictionary<string, IReadOnlyList<string>>();
    private IReadOnlyList<EventInfo>? _events;
    private string? _podsError;
    private bool _loaded;
    private bool _wasDeleted;
    private bool _canOperate;
    private bool _isAdmin;
    private int _tab;
    private List<BreadcrumbItem> _breadcrumbs = [];

    [Parameter]
    public string Name { get; set; } = "";

    [Inject]
    public required DeploymentQueries Queries { get; init; }

    [Inject]
    public required DeploymentChanges Changes { get; init; }

    [Inject]
    public required DeploymentInsights Insights { get; init; }

    [Inject]
    public required DeploymentManifests Manifests { get; init; }

    [Inject]
    public required DeploymentActionFlow Actions { get; init; }

    [Inject]
    public required ICurrentUser User { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private int RunningOperations => _operations.Count(o => o.Outcome is OperationOutcome.Pending or OperationOutcome.Running);

    private int Warnings => _events?.Count(e => e.IsWarning) ?? 0;

    protected override async Task OnParametersSetAsync()
    {
        _breadcrumbs = [new("Deployments", "deployments"), new(Name, null, disabled: true)];
        _canOperate = User.CanOperate;
        _isAdmin = User.IsAdmin;
        _refresh ??= new CoalescingRefresh(async ct =>
        {
            await LoadAsync(ct);
            await InvokeAsync(StateHasChanged);
        });

        await LoadAsync(_disposed.Token);
        _loaded = true;
        if (RendererInfo.IsInteractive && _timer is null)
        {
            Changes.Changed += OnChanged;
            _timer = Time.CreateTimer(_ => _ = InvokeAsync(RefreshAsync), null, ClusterRefreshInterval, ClusterRefreshInterval);
        }
    }

    /// <summary>The stored deployment first (state, replicas, pull: shown at once), then the pods and events from the cluster.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var deployment = await Queries.FindAsync(Name, cancellationToken);
        _wasDeleted |= deployment is null && _deployment is not null;
        _deployment = deployment;
        if (deployment is null)
        {
            _pods = null;
            _events = null;
            return;
        }

        _operations = await Queries.OperationsAsync(Name, 50, cancellationToken);
        if (!RendererInfo.IsInteractive)
        {
            return; // the prerender shows the stored state; the cluster is read once the circuit is live
        }

        if (_loaded)
        {
            StateHasChanged();
        }

        var view = await Insights.ReadAsync(deployment, cancellationToken);
        _podsError = view.Problem;
        if (view.Problem is null)
        {
            _pods = view.Pods;
            _events = view.Events;
            _crashLogs = view.CrashLogs;
        }
        else
        {
            _pods ??= [];
            _events ??= [];
        }
    }

    private void OnChanged(DeploymentChanged change)
    {
        // A removed row is published with an empty name.
        if (change.Name == Name || change.Name.Length == 0 || change.DeploymentId == _deployment?.Id)
        {
            _ = InvokeAsync(RefreshAsync);
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            await _refresh!.RequestAsync(_disposed.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The page was closed meanwhile.
        }
    }

    private async Task ScaleAsync() => await RunAsync(target => Actions.ScaleAsync(target, _disposed.Token));

    private async Task StopAsync() => await RunAsync(target => Actions.StopAsync(target, _disposed.Token));

    private async Task StartAsync() => await RunAsync(target => Actions.StartAsync(target, _disposed.Token));

    private async Task DeleteAsync() => await RunAsync(target => Actions.DeleteAsync(target, _disposed.Token));

    /// <summary>Runs an action (its command checks the role again) and re-reads the page.</summary>
    private async Task RunAsync(Func<ActionTarget, Task<bool>> action)
    {
        if (_deployment is null || !_canOperate)
        {
            return;
        }

        if (await action(ActionTarget.From(_deployment)))
        {
            await RefreshAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Changes.Changed -= OnChanged;
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
