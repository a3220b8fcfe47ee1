using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Application.Benchmarks;
using Portal.Auth;

namespace Portal.Api;

/// <summary>The REST API for benchmark runs: HTTP in and out of the same <see cref="BenchmarkCommands"/> the pages call.</summary>
public static class BenchmarkEndpoints
{
    public static IEndpointRouteBuilder MapBenchmarkApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/benchmarks").WithTags("Benchmarks");
        api.MapGet("", ListAsync).WithSummary("List benchmark runs, newest first");
        api.MapPost("", StartAsync)
            .RequireAuthorization(PortalPolicies.Operate)
            .Accepts<StartBenchmark>("application/json")
            .WithSummary("Start a benchmark run against a ready deployment; returns at once (202) while a job runs it");
        api.MapGet("{id:guid}", GetAsync).WithSummary("A run: state, live progress, steps and their results");
        api.MapDelete("{id:guid}", CancelAsync).RequireAuthorization(PortalPolicies.Operate)
            .WithSummary("Cancel a queued or running run; finished steps are kept");
        api.MapGet("{id:guid}/export", ExportAsync)
            .WithSummary("The run as CSV or as JSON with vllm bench serve's --save-result field names (?format=csv|json, &detailed=true for per-request lists)");
        api.MapPost("recommendation", RecommendAsync)
            .Accepts<RecommendRequest>("application/json")
            .WithSummary("Which of the given runs' configurations meets an SLO with the fewest GPUs, and how many replicas it takes");
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<BenchmarkResource>>> ListAsync(BenchmarkQueries queries, BenchmarkProgress progress, CancellationToken cancellationToken)
    {
        var runs = await queries.ListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<BenchmarkResource>>(runs.Select(r => BenchmarkResource.From(r, progress.Latest(r.Id))).ToList());
    }

    private static async Task<IResult> StartAsync(HttpRequest request, BenchmarkCommands commands, CancellationToken cancellationToken)
    {
        var (body, errors) = await SpecReader.ReadAsync<StartBenchmark>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The benchmark request is not valid.");
        }

        return ToHttp(await commands.StartAsync(body!, cancellationToken));
    }

    private static async Task<IResult> GetAsync(Guid id, BenchmarkQueries queries, BenchmarkProgress progress, CancellationToken cancellationToken) =>
        await queries.FindAsync(id, cancellationToken) is { } run
            ? TypedResults.Ok(BenchmarkResource.From(run, progress.Latest(id)))
            : NotFound(id);

    private static async Task<IResult> CancelAsync(Guid id, BenchmarkCommands commands, CancellationToken cancellationToken) =>
        ToHttp(await commands.CancelAsync(id, cancellationToken));

    private static async Task<IResult> ExportAsync(Guid id, string? format, bool? detailed, BenchmarkQueries queries, CancellationToken cancellationToken)
    {
        var kind = (format ?? "json").Trim().ToLowerInvariant();
        if (kind is not ("csv" or "json"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = [$"'{format}' is not an export format: use csv or json."] },
                title: "The export request is not valid.");
        }

        if (await queries.FindAsync(id, cancellationToken) is not { } run)
        {
            return NotFound(id);
        }

        var name = $"benchmark-{run.DeploymentName}-{run.Id.ToString("N")[..8]}";
        if (kind == "csv")
        {
            return TypedResults.File(Encoding.UTF8.GetBytes(BenchmarkExport.Csv(run)), "text/csv; charset=utf-8", name + ".csv");
        }

        var samples = detailed == true ? await queries.SamplesAsync(id, cancellationToken) : null;
        return TypedResults.File(BenchmarkExport.VllmJson(run, samples), "application/json", name + ".json");
    }

    private static async Task<IResult> RecommendAsync(HttpRequest request, BenchmarkQueries queries, CancellationToken cancellationToken)
    {
        var (body, errors) = await SpecReader.ReadAsync<RecommendRequest>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The recommendation request is not valid.");
        }

        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var objective = SloParser.Parse(body!.Slo, "slo", errors, needsTarget: true);
        var ids = body.Runs ?? [];
        if (ids.Count == 0)
        {
            errors["runs"] = ["Name the runs to choose from (their ids)."];
        }

        var runs = ids.Count == 0 ? [] : await queries.FindManyAsync(ids, cancellationToken);
        var missing = ids.Where(id => runs.All(r => r.Id != id)).ToList();
        if (missing.Count > 0)
        {
            errors["runs"] = [$"No run with id {string.Join(", ", missing)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The recommendation request is not valid.");
        }

        return TypedResults.Ok(RecommendationResource.From(BenchmarkRecommender.Recommend(runs, objective!)));
    }

    private static IResult ToHttp(BenchmarkResult result) => result switch
    {
        BenchmarkResult.Accepted accepted => TypedResults.Accepted($"/api/v1/benchmarks/{accepted.Run.Id}", BenchmarkResource.From(accepted.Run)),
        BenchmarkResult.Invalid invalid => TypedResults.ValidationProblem(invalid.Errors, title: "The benchmark request is not valid."),
        BenchmarkResult.NotFound notFound => NotFound(notFound.Id),
        BenchmarkResult.Conflict conflict => TypedResults.Problem(conflict.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict with the run's state"),
        BenchmarkResult.Forbidden forbidden => TypedResults.Problem(forbidden.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        _ => throw new InvalidOperationException($"unmapped result {result}"),
    };

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem($"There is no benchmark run with id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
