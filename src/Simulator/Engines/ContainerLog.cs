using System.Text;
using System.Threading.Channels;

namespace Portal.Simulator.Engines;

/// <summary>A container's output as <c>kubectl logs</c> shows it, with followers for <c>-f</c>.</summary>
internal sealed class ContainerLog
{
    private const int Capacity = 5_000;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<ChannelWriter<string>> _followers = [];

    public void Write(string line)
    {
        lock (_lock)
        {
            _lines.Add(line);
            if (_lines.Count > Capacity)
            {
                _lines.RemoveRange(0, _lines.Count - Capacity);
            }

            foreach (var follower in _followers)
            {
                follower.TryWrite(line);
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public async Task WriteToAsync(Stream output, int? tailLines, bool follow, CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<string>();
        List<string> existing;
        lock (_lock)
        {
            existing = tailLines is { } tail ? _lines.TakeLast(tail).ToList() : [.. _lines];
            if (follow)
            {
                _followers.Add(channel.Writer);
            }
        }

        try
        {
            foreach (var line in existing)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);
            }

            await output.FlushAsync(ct);
            if (follow)
            {
                await foreach (var line in channel.Reader.ReadAllAsync(ct))
                {
                    await output.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), ct);
                    await output.FlushAsync(ct);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _followers.Remove(channel.Writer);
            }
        }
    }

    /// <summary>Ends every <c>-f</c> stream, as a container exit does.</summary>
    public void CloseFollowers()
    {
        lock (_lock)
        {
            _followers.ForEach(f => f.TryComplete());
            _followers.Clear();
        }
    }
}
