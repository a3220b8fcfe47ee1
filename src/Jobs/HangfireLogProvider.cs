using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace Portal.Jobs;

/// <summary>
/// Hangfire keeps its log provider in a static. When one host of several in a process (the tests)
/// has shut down, its logger factory is disposed; asking it for a logger must not fail another
/// host's job, so such a request gets a logger that drops the message.
/// </summary>
internal sealed class HangfireLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
