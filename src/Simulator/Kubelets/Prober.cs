using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portal.Simulator.Api;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Kubelets;

/// <summary>
/// Runs one probe against a container the way the kubelet's prober does: an HTTP GET that passes on
/// 200–399, a TCP connect, and a timeout that counts as a failure. exec and gRPC probes cannot run here;
/// they pass once the engine has loaded its model.
/// </summary>
internal sealed class Prober : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<ProbeResult> ProbeAsync(IPAddress address, JsonObject container, ProbeSpec spec, TimeSpan timeout, SimulatedEngine? engine, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        if (spec.Handler["httpGet"] is JsonObject http)
        {
            var port = ResolvePort(container, http["port"]);
            var path = (string?)http["path"] ?? "/";
            var url = $"http://{address}:{port}{(path.StartsWith('/') ? path : "/" + path)}";
            try
            {
                using var response = await _client.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 400
                    ? new ProbeResult(true, "")
                    : new ProbeResult(false, $"HTTP probe failed with statuscode: {code}");
            }
            catch (HttpRequestException e)
            {
                return new ProbeResult(false, $"Get \"{url}\": {DialError(address, port, e.InnerException as SocketException)}");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new ProbeResult(false, $"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            }
        }

        if (spec.Handler["tcpSocket"] is JsonObject tcp)
        {
            var port = ResolvePort(container, tcp["port"]);
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(address, port, deadline.Token);
                return new ProbeResult(true, "");
            }
            catch (SocketException e)
            {
                return new ProbeResult(false, DialError(address, port, e));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new ProbeResult(false, $"dial tcp {address}:{port}: i/o timeout");
            }
        }

        return engine?.Loaded == true ? new ProbeResult(true, "") : new ProbeResult(false, "");
    }

    public void Dispose() => _client.Dispose();

    public static int ResolvePort(JsonObject container, JsonNode? port)
    {
        if (int.TryParse(port?.ToString(), out var number))
        {
            return number;
        }

        var named = (container["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => (string?)p["name"] == port?.ToString());
        return (int?)named.Long("containerPort") ?? 0;
    }

    private static string DialError(IPAddress address, int port, SocketException? e) => e?.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => $"dial tcp {address}:{port}: connect: connection refused",
        _ => $"dial tcp {address}:{port}: {e?.Message ?? "connection failed"}",
    };
}
