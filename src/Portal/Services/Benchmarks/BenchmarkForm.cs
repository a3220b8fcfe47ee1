using System.Globalization;
using Portal.Application.Benchmarks;
using Portal.Domain.Benchmarks;

namespace Portal.Services.Benchmarks;

/// <summary>What the new-run form holds, in form-friendly shapes; <see cref="ToCommand"/> gives the REST API's body.</summary>
public sealed class BenchmarkForm
{
    public string? Deployment { get; set; }

    public int PromptTokens { get; set; } = 128;

    public int OutputTokens { get; set; } = 128;

    public LengthDistribution Distribution { get; set; } = LengthDistribution.Fixed;

    public double Spread { get; set; } = 0.25;

    public int SharedPrefixTokens { get; set; }

    public WorkloadDataset Dataset { get; set; } = WorkloadDataset.Synthetic;

    public LoadKind Kind { get; set; } = LoadKind.Concurrency;

    /// <summary>Levels as typed: <c>1, 8, 32</c>.</summary>
    public string Levels { get; set; } = "1, 4, 16";

    public int SweepSize { get; set; } = 6;

    public int MaxConcurrency { get; set; } = 256;

    public int RequestsPerLevel { get; set; } = 50;

    public double MaxSecondsPerLevel { get; set; } = 120;

    public string? TtftP95 { get; set; }

    public string? ItlP95 { get; set; }

    /// <summary>The command, and the problems of what could not even be read (a level that is not a number).</summary>
    public (StartBenchmark Command, Dictionary<string, string[]> Errors) ToCommand()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var levels = new List<double>();
        if (Kind != LoadKind.Sweep)
        {
            foreach (var part in Levels.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var level))
                {
                    levels.Add(level);
                }
                else
                {
                    errors["load.levels"] = [$"'{part}' is not a number: list the levels separated by commas, like 1, 8, 32."];
                }
            }
        }

        var slo = string.IsNullOrWhiteSpace(TtftP95) && string.IsNullOrWhiteSpace(ItlP95)
            ? null
            : new SloInput { TtftP95 = Blank(TtftP95), ItlP95 = Blank(ItlP95) };
        return (new StartBenchmark
        {
            Deployment = Deployment,
            Workload = new WorkloadInput
            {
                PromptTokens = PromptTokens,
                OutputTokens = OutputTokens,
                Distribution = Distribution,
                Spread = Spread,
                SharedPrefixTokens = SharedPrefixTokens,
                Dataset = Dataset,
            },
            Load = new LoadInput { Kind = Kind, Levels = Kind == LoadKind.Sweep ? null : levels, SweepSize = SweepSize, MaxConcurrency = MaxConcurrency },
            RequestsPerLevel = RequestsPerLevel,
            MaxSecondsPerLevel = MaxSecondsPerLevel,
            Slo = slo,
        }, errors);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
