using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Auth;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;

namespace Portal.Api;

/// <summary>The body of <c>POST /api/v1/deployments</c>: the spec, plus an optional Hugging Face token stored as a Secret.</summary>
public sealed record CreateDeploymentBody : DeploymentSpec
{
    /// <summary>When given, stored as the Secret <c>{name}-hf-token</c> and named in the spec; never stored in the portal.</summary>
    public string? HuggingFaceToken { get; init; }
}

/// <summary>The REST API for deployments: HTTP in and out of the same <see cref="DeploymentCommands"/> the pages call.</summary>
public static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/deployments").WithTags("Deployments");

        api.MapGet("", ListAsync).WithSummary("List deployments");
        api.MapPost("", CreateAsync)
            .RequireAuthorization(PortalPolicies.Operate)
            .Accepts<CreateDeploymentBody>("application/json")
            .WithSummary("Create a deployment; returns at once (202) while a job deploys it");
        api.MapGet("{name}", GetAsync).WithSummary("Read one deployment (with its ETag)");
        api.MapPut("{name}", UpdateAsync)
            .RequireAuthorization(PortalPolicies.Operate)
            .Accepts<DeploymentSpec>("application/json")
            .WithSummary("Replace the spec; send If-Match with the ETag to refuse a stale write (412)");
        api.MapDelete("{name}", DeleteAsync).RequireAuthorization(PortalPolicies.Operate)
            .WithSummary("Delete the deployment; ?deleteModelCache=true also deletes its model-cache volumes");
        api.MapPost("{name}/scale", ScaleAsync).RequireAuthorization(PortalPolicies.Operate).WithSummary("Set the replica count");
        api.MapPost("{name}/stop", StopAsync).RequireAuthorization(PortalPolicies.Operate).WithSummary("Scale to zero, keeping the model cache");
        api.MapPost("{name}/start", StartAsync).RequireAuthorization(PortalPolicies.Operate).WithSummary("Start a stopped deployment");
        api.MapGet("{name}/manifests", ManifestsAsync).WithSummary("The Kubernetes manifests of the current spec, as YAML");
        api.MapGet("{name}/operations", OperationsAsync).WithSummary("The audit log of the deployment, newest first");
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<DeploymentResource>>> ListAsync(DeploymentQueries queries, CancellationToken cancellationToken)
    {
        var all = await queries.ListDeploymentsAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<DeploymentResource>>(all.Select(DeploymentResource.From).ToList());
    }

    private static async Task<Results<Ok<DeploymentResource>, ProblemHttpResult>> GetAsync(
        string name, DeploymentQueries queries, HttpResponse response, CancellationToken cancellationToken)
    {
        var deployment = await queries.FindAsync(name, cancellationToken);
        if (deployment is null)
        {
            return NotFound(name);
        }

        response.Headers.ETag = deployment.ETag;
        return TypedResults.Ok(DeploymentResource.From(deployment));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, DeploymentCommands commands, CancellationToken cancellationToken)
    {
        var (body, errors) = await SpecReader.ReadAsync<CreateDeploymentBody>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The deployment spec is not valid.");
        }

        var command = new CreateDeployment(SpecOf(body!), body!.HuggingFaceToken);
        return ToHttp(await commands.CreateAsync(command, cancellationToken), request.HttpContext.Response);
    }

    private static async Task<IResult> UpdateAsync(string name, HttpRequest request, DeploymentCommands commands, CancellationToken cancellationToken)
    {
        var (spec, errors) = await SpecReader.ReadAsync<DeploymentSpec>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The deployment spec is not valid.");
        }

        var command = new UpdateDeployment(name, spec!, request.Headers.IfMatch.ToString());
        return ToHttp(await commands.UpdateAsync(command, cancellationToken), request.HttpContext.Response);
    }

    private static async Task<IResult> ScaleAsync(string name, HttpRequest request, DeploymentCommands commands, CancellationToken cancellationToken)
    {
        var (body, errors) = await SpecReader.ReadAsync<ScaleRequest>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The scale request is not valid.");
        }

        var command = new ScaleDeployment(name, body!.Replicas, request.Headers.IfMatch.ToString());
        return ToHttp(await commands.ScaleAsync(command, cancellationToken), request.HttpContext.Response);
    }

    private static async Task<IResult> StopAsync(string name, DeploymentCommands commands, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.StopAsync(new StopDeployment(name), cancellationToken), response);

    private static async Task<IResult> StartAsync(string name, DeploymentCommands commands, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.StartAsync(new StartDeployment(name), cancellationToken), response);

    private static async Task<IResult> DeleteAsync(
        string name, bool? deleteModelCache, DeploymentCommands commands, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.DeleteAsync(new DeleteDeployment(name, deleteModelCache ?? false), cancellationToken), response);

    private static async Task<IResult> ManifestsAsync(string name, DeploymentQueries queries, IOptions<RenderOptions> renderOptions, CancellationToken cancellationToken)
    {
        var deployment = await queries.FindAsync(name, cancellationToken);
        if (deployment is null)
        {
            return NotFound(name);
        }

        var manifests = ManifestRenderer.Render(deployment.EffectiveSpec, deployment.Revision, renderOptions.Value);
        return TypedResults.Text(ManifestYaml.Serialize(manifests), "application/yaml; charset=utf-8");
    }

    private static async Task<Results<Ok<IReadOnlyList<OperationResource>>, ProblemHttpResult>> OperationsAsync(
        string name, int? take, DeploymentQueries queries, CancellationToken cancellationToken)
    {
        var operations = await queries.OperationsAsync(name, Math.Clamp(take ?? 100, 1, 1000), cancellationToken);
        if (operations.Count == 0 && await queries.FindAsync(name, cancellationToken) is null)
        {
            return NotFound(name);
        }

        return TypedResults.Ok<IReadOnlyList<OperationResource>>(operations.Select(OperationResource.From).ToList());
    }

    /// <summary>The body as a plain spec (serialised as its base type, which leaves the token out), so the token is never stored with it.</summary>
    private static DeploymentSpec SpecOf(CreateDeploymentBody body) =>
        JsonSerializer.Deserialize<DeploymentSpec>(JsonSerializer.SerializeToUtf8Bytes<DeploymentSpec>(body, PortalJson.Options), PortalJson.Options)!;

    private static IResult ToHttp(CommandResult result, HttpResponse response)
    {
        switch (result)
        {
            case CommandResult.Accepted accepted:
                response.Headers.ETag = accepted.Deployment.ETag;
                return TypedResults.Accepted($"/api/v1/deployments/{accepted.Deployment.Name}", DeploymentResource.From(accepted.Deployment));
            case CommandResult.Invalid invalid:
                return TypedResults.ValidationProblem(invalid.Errors, title: "The deployment spec is not valid.");
            case CommandResult.NotFound notFound:
                return NotFound(notFound.Name);
            case CommandResult.Conflict conflict:
                return TypedResults.Problem(conflict.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict with the deployment's state");
            case CommandResult.PreconditionFailed stale:
                response.Headers.ETag = stale.CurrentETag;
                return TypedResults.Problem(
                    "The deployment changed since you read it (its ETag no longer matches If-Match). Read it again and re-apply your change.",
                    statusCode: StatusCodes.Status412PreconditionFailed, title: "Stale ETag");
            case CommandResult.Forbidden forbidden:
                return TypedResults.Problem(forbidden.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
            case CommandResult.ClusterFailed failed:
                return TypedResults.Problem(failed.Message, statusCode: StatusCodes.Status502BadGateway, title: "The cluster refused a step");
            default:
                throw new InvalidOperationException($"unmapped result {result}");
        }
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem($"There is no deployment named '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
