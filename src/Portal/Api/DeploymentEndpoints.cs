using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Auth;
using Portal.Core.Data;
using Portal.Core.Deployments;
using Portal.Core.Manifests;
using Portal.Jobs.Cluster;
using Portal.Jobs.Deployments;

namespace Portal.Api;

/// <summary>The REST API for deployments: the same commands the pages call, over HTTP.</summary>
public static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/deployments").WithTags("Deployments");

        api.MapGet("", ListAsync).WithSummary("List deployments");
        api.MapPost("", CreateAsync)
            .RequireAuthorization(PortalPolicies.Operate)
            .Accepts<DeploymentSpec>("application/json")
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

        response.Headers.ETag = DeploymentCommands.ETagOf(deployment);
        return TypedResults.Ok(DeploymentResource.From(deployment));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, DeploymentCommands commands, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (spec, errors) = await SpecReader.ReadAsync<DeploymentSpec>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The deployment spec is not valid.");
        }

        var result = await commands.CreateAsync(DeploymentSpecDefaults.Normalize(spec!), RequesterOf(user), cancellationToken);
        return ToHttp(result, request.HttpContext.Response);
    }

    private static async Task<IResult> UpdateAsync(string name, HttpRequest request, DeploymentCommands commands, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (spec, errors) = await SpecReader.ReadAsync<DeploymentSpec>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The deployment spec is not valid.");
        }

        var result = await commands.UpdateAsync(name, DeploymentSpecDefaults.Normalize(spec!), request.Headers.IfMatch.ToString(), RequesterOf(user), cancellationToken);
        return ToHttp(result, request.HttpContext.Response);
    }

    private static async Task<IResult> ScaleAsync(string name, HttpRequest request, DeploymentCommands commands, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var (body, errors) = await SpecReader.ReadAsync<ScaleRequest>(request, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors, title: "The scale request is not valid.");
        }

        var result = await commands.ScaleAsync(name, body!.Replicas, request.Headers.IfMatch.ToString(), RequesterOf(user), cancellationToken);
        return ToHttp(result, request.HttpContext.Response);
    }

    private static async Task<IResult> StopAsync(string name, DeploymentCommands commands, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.StopAsync(name, RequesterOf(user), cancellationToken), response);

    private static async Task<IResult> StartAsync(string name, DeploymentCommands commands, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.StartAsync(name, RequesterOf(user), cancellationToken), response);

    private static async Task<IResult> DeleteAsync(
        string name, bool? deleteModelCache, DeploymentCommands commands, ClaimsPrincipal user, HttpResponse response, CancellationToken cancellationToken) =>
        ToHttp(await commands.DeleteAsync(name, deleteModelCache ?? false, RequesterOf(user), cancellationToken), response);

    private static async Task<IResult> ManifestsAsync(string name, DeploymentQueries queries, IOptions<RenderOptions> renderOptions, CancellationToken cancellationToken)
    {
        var deployment = await queries.FindAsync(name, cancellationToken);
        if (deployment is null)
        {
            return NotFound(name);
        }

        var manifests = ManifestRenderer.Render(DeploymentJobs.EffectiveSpec(deployment), deployment.Revision, renderOptions.Value);
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

    private static IResult ToHttp(CommandResult result, HttpResponse response)
    {
        switch (result)
        {
            case CommandResult.Accepted accepted:
                response.Headers.ETag = DeploymentCommands.ETagOf(accepted.Deployment);
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
            default:
                throw new InvalidOperationException($"unmapped result {result}");
        }
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem($"There is no deployment named '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>Who asked, for the audit log: the user, and the key when it came through one.</summary>
    public static string RequesterOf(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "unknown";
        return user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } key ? $"{name} (api key {key[..8]})" : name;
    }
}
