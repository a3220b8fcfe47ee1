using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Application.Benchmarks;
using Portal.Domain.Benchmarks;

namespace Portal.Components.Pages;

/// <summary>The benchmark runs, newest first, live (it reloads when a run starts, finishes a step or ends); pick runs to compare.</summary>
public sealed partial class Benchmarks : IDisposable
{
    private readonly HashSet<Guid> _selected = [];
    private IReadOnlyList<BenchmarkRun>? _runs;

    [Inject]
    public required BenchmarkQueries Queries { get; init; }

    [Inject]
    public required BenchmarkProgress Progress { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private string CompareHref => "benchmarks/compare?runs=" + string.Join(",", _runs?.Where(r => _selected.Contains(r.Id)).Select(r => r.Id.ToString("N")) ?? []);

    protected override async Task OnInitializedAsync()
    {
        _runs = await Queries.ListAsync(CancellationToken.None);
        Progress.Changed += OnProgress;
    }

    private void OnProgress(RunProgress progress)
    {
        if (progress.StepsChanged)
        {
            _ = InvokeAsync(async () =>
            {
                _runs = await Queries.ListAsync(CancellationToken.None);
                StateHasChanged();
            });
        }
    }

    private void Toggle(Guid id, bool on)
    {
        if (on)
        {
            _selected.Add(id);
        }
        else
        {
            _selected.Remove(id);
        }
    }

    public static string LoadText(BenchmarkRun run) => run.Plan.Load.Kind switch
    {
        LoadKind.Sweep => $"sweep of {run.Plan.Load.SweepSize}",
        LoadKind.Rate => $"rate {string.Join(", ", run.Plan.Load.Levels)} req/s",
        _ => $"concurrency {string.Join(", ", run.Plan.Load.Levels)}",
    } + $" · {run.Plan.Workload.PromptTokens}→{run.Plan.Workload.OutputTokens} tok";

    public static Color StateColor(BenchmarkState state) => state switch
    {
        BenchmarkState.Succeeded => Color.Success,
        BenchmarkState.Failed => Color.Error,
        BenchmarkState.Cancelled => Color.Warning,
        BenchmarkState.Running => Color.Info,
        _ => Color.Default,
    };

    public void Dispose() => Progress.Changed -= OnProgress;
}
