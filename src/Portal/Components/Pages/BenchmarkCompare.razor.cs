using Microsoft.AspNetCore.Components;
using Portal.Application.Benchmarks;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;
using Portal.Services.Benchmarks;

namespace Portal.Components.Pages;

/// <summary>Runs overlaid and in one table, with a recommendation for an SLO and "deploy this" into the wizard.</summary>
public sealed partial class BenchmarkCompare
{
    private IReadOnlyList<Domain.Benchmarks.BenchmarkRun> _runs = [];
    private BenchmarkFigure? _histogram;
    private bool _loaded;
    private bool _canOperate;

    [SupplyParameterFromQuery(Name = "runs")]
    public string? RunIds { get; set; }

    [Inject]
    public required BenchmarkQueries Queries { get; init; }

    [Inject]
    public required DeployFromRun Deploy { get; init; }

    [Inject]
    public required ICurrentUser User { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _canOperate = User.CanOperate;
        var ids = (RunIds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => Guid.TryParse(t, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct().ToList();
        _runs = ids.Count == 0 ? [] : await Queries.FindManyAsync(ids, CancellationToken.None);
        var series = new List<(string, IReadOnlyList<RequestSample>)>();
        foreach (var run in _runs)
        {
            // Each run's TTFT distribution at its heaviest step.
            if (RunComparison.Peak(run) is { } peak && (await Queries.SamplesAsync(run.Id, CancellationToken.None)).TryGetValue(peak.Id, out var samples))
            {
                series.Add(($"{run.Framework} · {run.DeploymentName} at {BenchmarkRecommender.LevelText(peak)}", samples));
            }
        }

        _histogram = BenchmarkFigures.TtftDistribution(series);
        _loaded = true;
    }

    private async Task DeployAsync(ConfigurationFit fit)
    {
        var path = await Deploy.PrepareAsync(fit.Run.Spec, fit.Replicas ?? fit.Run.Replicas, CancellationToken.None);
        Navigation.NavigateTo(path);
    }
}
