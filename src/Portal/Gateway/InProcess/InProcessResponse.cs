using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Gateway;

/// <summary>
/// The response side of an in-process gateway request: what the forwarder writes goes into a pipe the
/// caller reads as it arrives, so the playground sees the same bytes, with the same timing, that a
/// program would receive over HTTP.
/// </summary>
internal sealed class InProcessResponse : Stream, IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, useSynchronizationContext: false));
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
    private PipeWriter? _writer;

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    [Obsolete("Use IHttpResponseBodyFeature.Stream.")]
    public Stream Body
    {
        get => this;
        set => throw new NotSupportedException();
    }

    public bool HasStarted { get; private set; }

    /// <summary>Completes when the response starts (status and headers are final) or the handler ends.</summary>
    public Task Started => _started.Task;

    public PipeReader Reader => _pipe.Reader;

    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

    public void OnCompleted(Func<object, Task> callback, object state)
    {
    }

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => EnsureStartedAsync();

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async Task CompleteAsync()
    {
        await EnsureStartedAsync();
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }

        await _pipe.Writer.CompleteAsync();
    }

    /// <summary>The handler failed: the reader sees the exception (or the status, if nothing was sent yet).</summary>
    public void Fail(Exception exception)
    {
        if (!HasStarted)
        {
            StatusCode = StatusCodes.Status502BadGateway;
            HasStarted = true;
        }

        _started.TrySetResult();
        _pipe.Writer.Complete(exception);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await EnsureStartedAsync();
        await _pipe.Writer.FlushAsync(cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync();
        var result = await _pipe.Writer.WriteAsync(buffer, cancellationToken);
        if (result.IsCompleted)
        {
            // The reader stopped reading: like a client that closed the connection.
            throw new IOException("The in-process caller stopped reading the response.");
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task EnsureStartedAsync()
    {
        if (HasStarted)
        {
            return;
        }

        foreach (var (callback, state) in _onStarting.AsEnumerable().Reverse())
        {
            await callback(state);
        }

        HasStarted = true;
        _started.TrySetResult();
    }
}
