using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Simulator.Engines;

/// <summary>
/// A bare Kestrel listener on one pod's address and port, with a request delegate and nothing else:
/// light enough for hundreds of pods in one process.
/// </summary>
internal sealed class EngineServer : IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly RequestDelegate _handler;

    private EngineServer(IPEndPoint endpoint, RequestDelegate handler, ILoggerFactory loggerFactory)
    {
        _handler = handler;
        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = EmptyServices };
        options.Listen(endpoint);
        options.Limits.MinResponseDataRate = null;
        _server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory), loggerFactory);
    }

    private static readonly IServiceProvider EmptyServices = new ServiceCollection().AddLogging().BuildServiceProvider();

    public static async Task<EngineServer> StartAsync(IPEndPoint endpoint, RequestDelegate handler, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var server = new EngineServer(endpoint, handler, loggerFactory);
        await server._server.StartAsync(new Application(server._handler), ct);
        return server;
    }

    public ValueTask DisposeAsync() => StopAsync(TimeSpan.FromMilliseconds(200));

    /// <summary>
    /// Stops serving: open requests get <paramref name="drain"/> to finish (a stop's SIGTERM); with zero, every
    /// connection is cut at once, as when the process dies of SIGKILL or a crash and the kernel resets its sockets.
    /// </summary>
    public async ValueTask StopAsync(TimeSpan drain)
    {
        using var timeout = new CancellationTokenSource(drain);
        try
        {
            await _server.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _server.Dispose();
    }

    private sealed class Application(RequestDelegate handler) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public async Task ProcessRequestAsync(HttpContext context)
        {
            try
            {
                await handler(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
        }

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
