using System.Text;
using Microsoft.Extensions.Logging;

namespace Portal.Reliability.Support;

/// <summary>Every log entry the portal writes, at every level, with its structured values and exceptions, as text to search.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly StringBuilder _text = new();

    public int Entries { get; private set; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Append(string line)
    {
        lock (_text)
        {
            Entries++;
            _text.AppendLine(line);
        }
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            logs.Append($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            logs.Append($"{category} {logLevel} {formatter(state, exception)} {values} {exception}");
        }
    }
}
