namespace Portal.Application.Ports;

/// <summary>
/// The portal's own OpenAI-compatible gateway, as callers reach it: benchmark runs send through it so they measure
/// what callers get (routing, pod choice, the proxy hop). The web layer implements it in process.
/// </summary>
public interface IInferenceGateway
{
    /// <summary>Posts <paramref name="json"/> to <c>/v1/chat/completions</c> of <paramref name="deployment"/>; the body streams as it arrives.</summary>
    Task<InferenceResponse> SendAsync(string deployment, ReadOnlyMemory<byte> json, string requester, CancellationToken cancellationToken);
}

/// <summary>Status at once, the body as it streams; disposing it ends the request.</summary>
public sealed class InferenceResponse(int statusCode, Stream body, Func<ValueTask> dispose) : IAsyncDisposable
{
    public int StatusCode { get; } = statusCode;

    public Stream Body { get; } = body;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public ValueTask DisposeAsync() => dispose();
}
