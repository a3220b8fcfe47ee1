using System.Text.Json;
using Portal.Auth;

namespace Portal.Gateway;

/// <summary>The gateway's HTTP surface under <c>/v1</c>, in OpenAI's shapes.</summary>
public static class GatewayEndpoints
{
    public const string OwnedBy = "inference-portal";

    public static IEndpointRouteBuilder MapGatewayEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var handler = endpoints.ServiceProvider.GetRequiredService<GatewayHandler>();
        var routes = endpoints.ServiceProvider.GetRequiredService<GatewayRouteTable>();
        var time = endpoints.ServiceProvider.GetRequiredService<TimeProvider>();

        // Anonymous at the endpoint level: the gateway answers for itself, with OpenAI-shaped 401s.
        var v1 = endpoints.MapGroup("/v1").AllowAnonymous().ExcludeFromDescription();
        v1.MapPost("/chat/completions", handler.ChatCompletionsAsync);
        v1.MapPost("/completions", handler.CompletionsAsync);
        v1.MapPost("/embeddings", handler.EmbeddingsAsync);
        v1.MapGet("/models", context => ListModelsAsync(context, routes, time));
        v1.MapGet("/models/{**model}", context => GetModelAsync(context, routes));
        v1.Map("/{**rest}", context => GatewayErrors.WriteAsync(context, StatusCodes.Status404NotFound,
            $"Invalid URL ({context.Request.Method} {context.Request.Path}). The gateway serves /v1/models, /v1/chat/completions, /v1/completions and /v1/embeddings.",
            GatewayErrors.InvalidRequest));
        return endpoints;
    }

    private static async Task ListModelsAsync(HttpContext context, GatewayRouteTable routes, TimeProvider time)
    {
        if (!await AuthorizedAsync(context))
        {
            return;
        }

        var models = routes.Current.ByModel.Values.Where(m => m.IsAvailable).OrderBy(m => m.Model, StringComparer.Ordinal);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var model in models)
        {
            WriteModel(writer, model);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static async Task GetModelAsync(HttpContext context, GatewayRouteTable routes)
    {
        if (!await AuthorizedAsync(context))
        {
            return;
        }

        var id = (string?)context.Request.RouteValues["model"] ?? "";
        if (!routes.Current.ByModel.TryGetValue(id, out var model) || !model.IsAvailable)
        {
            await GatewayErrors.ModelNotFoundAsync(context, id);
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        WriteModel(writer, model);
    }

    private static void WriteModel(Utf8JsonWriter writer, ModelRoute model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", model.Model);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", model.Deployments.Min(d => d.CreatedAt).ToUnixTimeSeconds());
        writer.WriteString("owned_by", OwnedBy);
        writer.WriteEndObject();
    }

    private static async Task<bool> AuthorizedAsync(HttpContext context)
    {
        if (context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim) is not null)
        {
            return true;
        }

        await (ApiKeyAuthenticationHandler.BearerToken(context.Request) is null
            ? GatewayErrors.MissingKeyAsync(context)
            : GatewayErrors.InvalidKeyAsync(context));
        return false;
    }
}
