using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Application.Benchmarks;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;
using Portal.Services.Benchmarks;

namespace Portal.Components.Pages;

/// <summary>One run: its configuration, live progress while it runs, charts, the step table and exports.</summary>
public sealed partial class BenchmarkRunPage : IDisposable
{
    private Domain.Benchmarks.BenchmarkRun? _run;
    private IReadOnlyDictionary<long, IReadOnlyList<RequestSample>> _samples = new Dictionary<long, IReadOnlyList<RequestSample>>();
    private RunProgress? _progress;
    private bool _loaded;
    private bool _canOperate;
    private int _version;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    public required BenchmarkQueries Queries { get; init; }

    [Inject]
    public required BenchmarkCommands Commands { get; init; }

    [Inject]
    public required BenchmarkProgress Progress { get; init; }

    [Inject]
    public required ICurrentUser User { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    private BenchmarkFigure Histogram => BenchmarkFigures.TtftDistribution(
        _run!.Steps.Select(s => ($"step {s.Index + 1} · {BenchmarkRecommender.LevelText(s)}", _samples.TryGetValue(s.Id, out var samples) ? samples : (IReadOnlyList<RequestSample>)[])).ToList());

    protected override async Task OnParametersSetAsync()
    {
        _canOperate = User.CanOperate;
        Progress.Changed -= OnProgress;
        Progress.Changed += OnProgress;
        _progress = Progress.Latest(Id);
        await LoadAsync();
        _loaded = true;
    }

    private async Task LoadAsync()
    {
        _run = await Queries.FindAsync(Id, CancellationToken.None);
        _samples = _run is null ? _samples : await Queries.SamplesAsync(Id, CancellationToken.None);
        _version++;
    }

    private void OnProgress(RunProgress progress)
    {
        if (progress.RunId != Id)
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            _progress = progress;
            if (progress.StepsChanged)
            {
                await LoadAsync();
            }

            StateHasChanged();
        });
    }

    private async Task CancelAsync()
    {
        var result = await Commands.CancelAsync(Id, CancellationToken.None);
        Snackbar.Add(result switch
        {
            BenchmarkResult.Accepted => "Cancelling: the run stops sending now and keeps its finished steps.",
            BenchmarkResult.Conflict c => c.Message,
            BenchmarkResult.Forbidden f => f.Message,
            _ => "The run could not be cancelled.",
        }, result is BenchmarkResult.Accepted ? Severity.Info : Severity.Warning);
    }

    public void Dispose() => Progress.Changed -= OnProgress;
}
