namespace Portal.Gateway;

/// <summary>
/// Reads the response bytes as they pass, without buffering or copying them: counts generated
/// tokens (the usage block's <c>completion_tokens</c>, or the streamed chunks that carry text) and
/// notes when the first token went out. Works across any split of the bytes into writes.
/// </summary>
internal sealed class ResponseObserver
{
    private KeyMatcher _content = new("\"content\""u8.ToArray(), KeyKind.NonEmptyString);
    private KeyMatcher _reasoning = new("\"reasoning_content\""u8.ToArray(), KeyKind.NonEmptyString);
    private KeyMatcher _text = new("\"text\""u8.ToArray(), KeyKind.NonEmptyString);
    private KeyMatcher _completionTokens = new("\"completion_tokens\""u8.ToArray(), KeyKind.Integer);

    /// <summary>True for <c>text/event-stream</c> responses: only then do text chunks count as tokens.</summary>
    public bool Streaming { get; set; }

    /// <summary>Chunks that carried generated text (streaming only).</summary>
    public long ContentChunks { get; private set; }

    /// <summary>The last <c>completion_tokens</c> seen, or -1.</summary>
    public long UsageTokens => _completionTokens.LastNumber;

    /// <summary>Timestamp of the first chunk with generated text, or 0.</summary>
    public long FirstTokenTimestamp { get; private set; }

    public long OutputTokens => UsageTokens >= 0 ? UsageTokens : ContentChunks;

    public void Observe(ReadOnlySpan<byte> bytes, long timestamp)
    {
        foreach (var b in bytes)
        {
            _completionTokens.Feed(b);
            if (!Streaming)
            {
                continue;
            }

            if (_content.Feed(b) | _reasoning.Feed(b) | _text.Feed(b))
            {
                ContentChunks++;
                if (FirstTokenTimestamp == 0)
                {
                    FirstTokenTimestamp = timestamp;
                }
            }
        }
    }

    private enum KeyKind
    {
        NonEmptyString,
        Integer,
    }

    /// <summary>
    /// A byte-at-a-time matcher for <c>"key"</c>, optional spaces, <c>:</c>, optional spaces, then a value:
    /// a string whose first character is not the closing quote, or an integer.
    /// </summary>
    private struct KeyMatcher(byte[] key, KeyKind kind)
    {
        private int _matched;
        private int _stage; // 0: matching the key, 1: before the colon, 2: after the colon, 3: first string char, 4: digits
        private long _number;

        public long LastNumber { get; private set; } = -1;

        public bool Feed(byte b)
        {
            switch (_stage)
            {
                case 0:
                    if (b == key[_matched])
                    {
                        if (++_matched == key.Length)
                        {
                            _stage = 1;
                            _matched = 0;
                        }
                    }
                    else
                    {
                        _matched = b == key[0] ? 1 : 0;
                    }

                    return false;
                case 1:
                    if (b == (byte)':')
                    {
                        _stage = 2;
                    }
                    else if (!IsSpace(b))
                    {
                        Reset(b);
                    }

                    return false;
                case 2:
                    if (IsSpace(b))
                    {
                        return false;
                    }

                    if (kind == KeyKind.NonEmptyString && b == (byte)'"')
                    {
                        _stage = 3;
                        return false;
                    }

                    if (kind == KeyKind.Integer && b is >= (byte)'0' and <= (byte)'9')
                    {
                        _stage = 4;
                        _number = b - '0';
                        return false;
                    }

                    Reset(b);
                    return false;
                case 3:
                    Reset(b);
                    return b != (byte)'"';
                default:
                    if (b is >= (byte)'0' and <= (byte)'9')
                    {
                        _number = (_number * 10) + (b - '0');
                        return false;
                    }

                    LastNumber = _number;
                    Reset(b);
                    return false;
            }
        }

        private void Reset(byte b)
        {
            _stage = 0;
            _matched = b == key[0] ? 1 : 0;
        }

        private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
    }
}

/// <summary>The response body the forwarder writes into: passes every write straight through, showing it to a <see cref="ResponseObserver"/> first.</summary>
internal sealed class ObservingResponseStream(Stream inner, ResponseObserver observer, TimeProvider time) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        observer.Observe(buffer.AsSpan(offset, count), time.GetTimestamp());
        inner.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        observer.Observe(buffer.Span, time.GetTimestamp());
        return inner.WriteAsync(buffer, cancellationToken);
    }
}
