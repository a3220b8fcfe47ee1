using Microsoft.AspNetCore.Components;
using Portal.Application.Deployments;
using Portal.Domain.Deployments;
using Portal.Services.Deployments;

namespace Portal.Components.Pages;

/// <summary>The deployments list: live (it reloads when any deployment changes), filtered and searched in place.</summary>
public sealed partial class Deployments : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private CoalescingRefresh? _refresh;
    private IReadOnlyList<DeploymentSummary>? _rows;
    private DeploymentListFilter _filter = new();

    [Inject]
    public required DeploymentQueries Queries { get; init; }

    [Inject]
    public required DeploymentChanges Changes { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private IReadOnlyList<DeploymentSummary> Visible => _filter.Apply(_rows ?? []);

    protected override async Task OnInitializedAsync()
    {
        _refresh = new CoalescingRefresh(async ct =>
        {
            _rows = await Queries.ListAsync(ct);
            await InvokeAsync(StateHasChanged);
        });
        _rows = await Queries.ListAsync(_disposed.Token);
        Changes.Changed += OnChanged;
    }

    /// <summary>The short reason something is wrong, for the warning icon beside the state.</summary>
    private static string? Problem(DeploymentSummary row) =>
        row.LastError ?? (row.State is ObservedState.Pending or ObservedState.Failed or ObservedState.Degraded ? row.LastEvent : null);

    private void OnChanged(DeploymentChanged change) => _ = InvokeAsync(RefreshAsync);

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

    private void SearchChanged(string? text) => _filter = _filter with { Search = text };

    private void FrameworkChanged(string? framework) => _filter = _filter with { Framework = framework };

    private void StateChanged(ObservedState? state) => _filter = _filter with { State = state };

    private void NamespaceChanged(string? ns) => _filter = _filter with { Namespace = ns };

    private void ClearFilters() => _filter = new DeploymentListFilter();

    public async ValueTask DisposeAsync()
    {
        Changes.Changed -= OnChanged;
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
