using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Api.Tables;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Simulator.Api;

/// <summary>The Kubernetes API server: JSON over plain HTTP, no authentication.</summary>
internal sealed partial class ApiServer : IAsyncDisposable
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly ResourceApi _api;
    private readonly IPodLogs _logs;
    private readonly SimulatorFaults _faults;
    private readonly ApiCallCounter _calls;
    private readonly TimeProvider _time;
    private readonly ILogger<ApiServer> _logger;
    private readonly WebApplication _app;
    private ServiceProxy? _proxy;

    private readonly Autoscaling.MetricsAdapter? _metrics;

    public ApiServer(IPEndPoint listen, ResourceApi api, IPodLogs logs, SimulatorFaults faults, ApiCallCounter calls, TimeProvider time, ILoggerFactory loggerFactory, Autoscaling.MetricsAdapter? metrics = null)
    {
        _metrics = metrics;
        _api = api;
        _logs = logs;
        _faults = faults;
        _calls = calls;
        _time = time;
        _logger = loggerFactory.CreateLogger<ApiServer>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen);
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public Uri Url { get; private set; } = null!;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _proxy = new ServiceProxy(_api, _app.Services.GetRequiredService<IHttpForwarder>());
        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _proxy?.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        try
        {
            var path = context.Request.Path.Value ?? "/";
            if (await TryDiscoveryAsync(context, path))
            {
                return;
            }

            if (_metrics is not null && await Autoscaling.MetricsApi.TryServeAsync(context, path, _metrics, _api.Store, _time) is { } metricList)
            {
                await WriteJsonAsync(context, 200, metricList, ct);
                return;
            }

            var request = ApiRequest.Parse(context.Request.Method, path, context.Request.Query)
                ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource");
            _calls.Count(request.Verb, request.ResourceName);
            if (request.Verb == "proxy")
            {
                await _proxy!.ForwardAsync(context, request);
                return;
            }

            await InjectFaultsAsync(request, ct);
            await DispatchAsync(context, request, ct);
        }
        catch (ApiException e)
        {
            if (e.Code >= 500)
            {
                LogServerError(_logger, context.Request.Method, context.Request.Path, e.Message);
            }

            await WriteJsonAsync(context, e.Code, e.ToStatus(), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task InjectFaultsAsync(ApiRequest request, CancellationToken ct)
    {
        if (_faults.AddedLatency > TimeSpan.Zero)
        {
            await Task.Delay(_faults.AddedLatency, _time, ct);
        }

        if (_faults.RollError())
        {
            throw new ApiException(500, "InternalError", "Internal error occurred: simulated fault");
        }

        if (request.Verb is "update" or "patch" && _faults.TakeConflict())
        {
            throw ApiException.Conflict(request.Type, request.Name ?? "");
        }
    }

    private async Task DispatchAsync(HttpContext context, ApiRequest request, CancellationToken ct)
    {
        var query = context.Request.Query;
        var view = request.Type;
        var type = view.Storage;
        var ns = request.Namespace ?? "";
        var name = request.Name ?? "";
        var dryRun = query["dryRun"] == "All";
        if (request.Subresource is not (null or "status" or "scale" or "log"))
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        switch (request.Verb, request.Subresource)
        {
            case ("get", "log"):
                _api.Get(type, ns, name);
                context.Response.ContentType = "text/plain";
                var buffered = new MemoryStream();
                if (query["follow"] != "true")
                {
                    // Errors (no previous container, unknown container) must still become a Status, so write only once the log is read.
                    await _logs.WriteAsync(new PodLogRequest(ns, name, query["container"].FirstOrDefault() is { Length: > 0 } only ? only : null, query["previous"] == "true",
                        int.TryParse(query["tailLines"], out var lines) ? lines : null, false), buffered, ct);
                    await context.Response.Body.WriteAsync(buffered.ToArray(), ct);
                    break;
                }

                await context.Response.StartAsync(ct);
                var logRequest = new PodLogRequest(ns, name, query["container"].FirstOrDefault() is { Length: > 0 } c ? c : null, query["previous"] == "true",
                    int.TryParse(query["tailLines"], out var tail) ? tail : null, query["follow"] == "true");
                await _logs.WriteAsync(logRequest, context.Response.Body, ct);
                break;
            case ("get", "scale"):
                await WriteJsonAsync(context, 200, _api.GetScale(type, ns, name), ct);
                break;
            case ("get", _):
                await WriteObjectAsync(context, 200, view, _api.Get(type, ns, name), ct);
                break;
            case ("list", _):
                await ListAsync(context, request, ct);
                break;
            case ("watch", _):
                await WatchAsync(context, request, ct);
                break;
            case ("create", null):
                var created = _api.Create(type, ns, EventViews.Store(view, await ReadObjectAsync(context, ct)), dryRun);
                await WriteObjectAsync(context, 201, view, created, ct);
                break;
            case ("update", "scale"):
                var replacement = await ReadObjectAsync(context, ct);
                await WriteJsonAsync(context, 200, _api.UpdateScale(type, ns, name, _ => replacement), ct);
                break;
            case ("update", _):
                var replaced = _api.Replace(type, ns, name, EventViews.Store(view, await ReadObjectAsync(context, ct)), request.Subresource, dryRun);
                await WriteObjectAsync(context, 200, view, replaced, ct);
                break;
            case ("patch", "scale"):
                var scalePatch = await ReadBodyAsync(context, ct);
                var contentType = context.Request.ContentType ?? "";
                await WriteJsonAsync(context, 200, _api.UpdateScale(type, ns, name, scale => PatchScale(scale, contentType, scalePatch)), ct);
                break;
            case ("patch", _) when view != type:
                throw ApiException.MethodNotAllowed($"patch is served for {type.QualifiedPlural} in {type.ApiVersion}, not in {view.ApiVersion}");
            case ("patch", _):
                var (patched, wasCreated) = _api.Patch(type, ns, name, context.Request.ContentType ?? "", await ReadBodyAsync(context, ct),
                    request.Subresource, query["fieldManager"], dryRun);
                await WriteObjectAsync(context, wasCreated ? 201 : 200, view, patched, ct);
                break;
            case ("delete", null):
                var options = context.Request.ContentLength > 0 ? JsonNode.Parse(await ReadBodyAsync(context, ct)) : null;
                var propagation = (string?)query["propagationPolicy"] ?? (string?)options?["propagationPolicy"]
                    ?? ((bool?)options?["orphanDependents"] == true ? "Orphan" : null);
                long? grace = long.TryParse(query["gracePeriodSeconds"], out var g) ? g : options.Long("gracePeriodSeconds");
                var (code, body) = _api.Delete(type, ns, name, propagation, grace);
                await WriteJsonAsync(context, code, body, ct);
                break;
            case ("deletecollection", null):
                var (items, _) = _api.List(type, request.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]));
                foreach (var item in items)
                {
                    _api.Delete(type, item.Namespace, item.Name, query["propagationPolicy"], null);
                }

                await WriteJsonAsync(context, 200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success" }, ct);
                break;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private static JsonObject PatchScale(JsonObject scale, string contentType, string body)
    {
        var patch = JsonNode.Parse(body);
        return contentType.Split(';')[0].Trim() switch
        {
            "application/json-patch+json" => (JsonObject)Patching.JsonPatch.Apply(scale, (JsonArray)patch!),
            "application/apply-patch+yaml" or "application/merge-patch+json" or "application/strategic-merge-patch+json" =>
                (JsonObject)Patching.JsonMergePatch.Apply(scale, patch)!,
            var other => throw ApiException.UnsupportedMediaType(other),
        };
    }

    private async Task ListAsync(HttpContext context, ApiRequest request, CancellationToken ct)
    {
        var query = context.Request.Query;
        var view = request.Type;
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var (items, rv) = _api.List(view.Storage, request.Namespace, LabelSelector.Parse(query["labelSelector"]), view == view.Storage ? fields : FieldSelector.Everything);
        if (view != view.Storage)
        {
            items = items.Select(i => new StoredObject(view, EventViews.Present(view, i.Object))).Where(i => fields.Matches(i.Object)).ToList();
        }

        if (Table.Requested(context.Request.Headers.Accept))
        {
            await WriteJsonAsync(context, 200, Table.Of(view, items.Select(i => i.Object), rv.ToString(), query["includeObject"], _time.GetUtcNow()), ct);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var writer = context.Response.BodyWriter;
        writer.Write(Encoding.UTF8.GetBytes(
            $"{{\"kind\":\"{request.Type.ListKind}\",\"apiVersion\":\"{request.Type.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"}},\"items\":["));
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(","u8);
            }

            writer.Write(items[i].Json);
        }

        writer.Write("]}"u8);
        await writer.FlushAsync(ct);
    }

    private async Task WatchAsync(HttpContext context, ApiRequest request, CancellationToken ct)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        long? from = long.TryParse(query["resourceVersion"], out var rv) ? rv : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(ct);
        var output = context.Response.Body;
        System.Threading.Channels.ChannelReader<WatchEvent> reader;
        try
        {
            var view = request.Type;
            reader = _api.Store.Watch(from, e => e.Object.Type == view.Storage
                && (request.Namespace is null || e.Object.Namespace == request.Namespace)
                && labels.Matches(e.Object.Labels)
                && fields.Matches(EventViews.Present(view, e.Object.Object)), timeout.Token);
        }
        catch (ApiException e)
        {
            await output.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }), ct);
            await output.WriteAsync(Newline, ct);
            return;
        }

        try
        {
            var asTable = Table.Requested(context.Request.Headers.Accept);
            var first = true;
            await foreach (var e in reader.ReadAllAsync(timeout.Token))
            {
                var presented = EventViews.Present(request.Type, e.Object.Object);
                var json = asTable
                    ? JsonSerializer.SerializeToUtf8Bytes(Table.Of(request.Type, [presented], e.Object.ResourceVersion.ToString(), query["includeObject"], _time.GetUtcNow(), withColumns: first))
                    : ReferenceEquals(presented, e.Object.Object) ? e.Object.Json : JsonSerializer.SerializeToUtf8Bytes(presented);
                first = false;
                await output.WriteAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"{e.Type}\",\"object\":"), timeout.Token);
                await output.WriteAsync(json, timeout.Token);
                await output.WriteAsync("}\n"u8.ToArray(), timeout.Token);
                await output.FlushAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: the watch ends normally, as the real server's does.
        }
    }

    private async Task<bool> TryDiscoveryAsync(HttpContext context, string path)
    {
        var ct = context.RequestAborted;
        JsonNode? document = path.TrimEnd('/') switch
        {
            "/version" => Discovery.Version(),
            "/api" => Discovery.CoreVersions($"{Url.Host}:{Url.Port}"),
            "/apis" => Discovery.Groups(),
            "/openapi/v3" => Discovery.OpenApiIndex(),
            "/healthz" or "/readyz" or "/livez" => null,
            var p when p.StartsWith("/openapi/v3/", StringComparison.Ordinal) => Discovery.OpenApiGroupVersion(p["/openapi/v3/".Length..])
                ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
            var p when p.Split('/') is ["", "api", var v] => Discovery.Resources("", v) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
            var p when p.Split('/') is ["", "apis", var g] => Discovery.Group(g) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
            var p when p.Split('/') is ["", "apis", var g, var v] => Discovery.Resources(g, v) ?? throw new ApiException(404, "NotFound", "the server could not find the requested resource"),
            _ => null,
        };
        if (document is not null)
        {
            _calls.Count("discovery", path);
            await WriteJsonAsync(context, 200, document, ct);
            return true;
        }

        if (path is "/healthz" or "/readyz" or "/livez")
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok", ct);
            return true;
        }

        return false;
    }

    /// <summary>Writes one object as the view shows it, or as a one-row Table when the client asked for one.</summary>
    private async Task WriteObjectAsync(HttpContext context, int code, ResourceType view, StoredObject stored, CancellationToken ct)
    {
        if (Table.Requested(context.Request.Headers.Accept))
        {
            var obj = EventViews.Present(view, stored.Object);
            await WriteJsonAsync(context, code, Table.Of(view, [obj], stored.ResourceVersion.ToString(), context.Request.Query["includeObject"], _time.GetUtcNow()), ct);
            return;
        }

        var body = view == view.Storage ? stored.Json : JsonSerializer.SerializeToUtf8Bytes(EventViews.Present(view, stored.Object));
        await WriteRawAsync(context, code, body, ct);
    }

    private static async Task<string> ReadBodyAsync(HttpContext context, CancellationToken ct)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, CancellationToken ct)
    {
        var contentType = context.Request.ContentType ?? "application/json";
        if (contentType.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase))
        {
            using var bytes = new MemoryStream();
            await context.Request.Body.CopyToAsync(bytes, ct);
            return Protobuf.ProtobufObjects.Decode(bytes.ToArray());
        }

        var body = await ReadBodyAsync(context, ct);
        try
        {
            var node = contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase) ? YamlJson.Parse(body) : JsonNode.Parse(body);
            return node as JsonObject ?? throw ApiException.BadRequest("the body of the request is not a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized: {e.Message}");
        }
    }

    private static Task WriteJsonAsync(HttpContext context, int code, JsonNode body, CancellationToken ct) =>
        WriteRawAsync(context, code, JsonSerializer.SerializeToUtf8Bytes(body), ct);

    private static async Task WriteRawAsync(HttpContext context, int code, byte[] body, CancellationToken ct)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} failed: {Error}")]
    private static partial void LogServerError(ILogger logger, string method, string path, string error);
}
