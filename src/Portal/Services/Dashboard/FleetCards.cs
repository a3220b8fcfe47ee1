using System.Globalization;
using Portal.Application.Deployments;
using Portal.Domain.Deployments;

namespace Portal.Services.Dashboard;

/// <summary>The stat cards above the charts: the fleet's figures now, in words, with their sparklines.</summary>
public static class FleetCards
{
    public static List<StatCardModel> Build(DashboardFilter filter, IReadOnlyList<GpuRow>? gpuRows, IReadOnlyList<DeploymentSummary> inScope, FleetTrends trends)
    {
        var cards = new List<StatCardModel>();
        var gpus = gpuRows ?? [];
        var held = gpus.Count(g => g.Pod is not null);
        var usedGiB = gpus.Sum(g => g.UsedMiB ?? 0) / 1024;
        var totalGiB = gpus.Sum(g => g.TotalMiB ?? 0) / 1024;
        cards.Add(new StatCardModel("gpus", "GPUs in use",
            gpuRows is null ? "–" : filter.FiltersDeployments ? Count(held) : $"{held} / {gpus.Count}",
            gpuRows is null ? "no GPU data yet" : $"memory {usedGiB:0} of {totalGiB:0} GiB",
            trends.GpusInUse.Values()));

        var utilisation = gpus.Select(g => g.UtilizationPercent).OfType<double>().ToList();
        cards.Add(new StatCardModel("gpu-utilization", "GPU utilisation",
            utilisation.Count == 0 ? "–" : $"{utilisation.Average():0} %",
            utilisation.Count == 0 ? "no GPU data yet" : $"mean of {utilisation.Count} GPU{(utilisation.Count == 1 ? "" : "s")}, max {utilisation.Max():0} %",
            trends.GpuUtilization.Values(),
            utilisation.Count > 0 && utilisation.Average() > 90 ? StatTone.Warning : StatTone.Normal));

        var ready = inScope.Count(d => d.State == ObservedState.Ready);
        var notReady = inScope.Where(d => d.State != ObservedState.Ready).Take(2).Select(d => $"{d.Name} {d.State.ToString().ToLowerInvariant()}").ToList();
        cards.Add(new StatCardModel("ready", "Deployments ready",
            $"{ready} / {inScope.Count}",
            inScope.Count == 0 ? "no deployments" : notReady.Count == 0 ? "all ready" : string.Join(", ", notReady),
            trends.Ready.Values(),
            inScope.Count > 0 && ready < inScope.Count ? StatTone.Warning : ready > 0 ? StatTone.Good : StatTone.Normal));

        var requests = Last(trends.Requests);
        var errors = Last(trends.Errors);
        cards.Add(new StatCardModel("requests", "Requests per second",
            requests is null ? "–" : Number(requests.Value),
            errors is null ? "5xx: no gateway data" : $"5xx {Number(errors.Value)} /s at the gateway",
            trends.Requests.Values(),
            errors > 0 ? StatTone.Bad : StatTone.Normal));

        var ttft = Last(trends.TimeToFirstToken);
        cards.Add(new StatCardModel("ttft", "TTFT p95",
            ttft is null ? "–" : Seconds(ttft.Value),
            ttft is null ? "no requests in range" : $"worst deployment: {trends.WorstTimeToFirstToken}",
            trends.TimeToFirstToken.Values()));
        return cards;
    }

    private static double? Last(TrendBuffer line) => line.Values().Reverse().Where(v => !double.IsNaN(v)).Cast<double?>().FirstOrDefault();

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value switch
    {
        < 10 => value.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("#,0", CultureInfo.InvariantCulture),
    };

    public static string Seconds(double seconds) => seconds < 1
        ? (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms"
        : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
