using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>Sends one prompt of a run through the gateway and records it; a failure becomes a sample with its kind, never an exception.</summary>
public sealed class RequestSender(
    IInferenceGateway gateway, TimeProvider time, string deployment, string model, string requester, TimeSpan timeout, bool stream = true)
{
    public async Task<RequestSample> SendAsync(PromptRequest prompt, long stepStart, CancellationToken cancellationToken)
    {
        var body = CompletionExchange.RequestBody(model, prompt, stream);
        var sent = time.GetTimestamp();
        var startMs = time.GetElapsedTime(stepStart, sent).TotalMilliseconds;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await using var response = await gateway.SendAsync(deployment, body, requester, limit.Token);
            return await CompletionExchange.ReadAsync(response, stream, sent, startMs, time, limit.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return Failed("timeout");
        }
        catch (System.Text.Json.JsonException)
        {
            return Failed("not json");
        }
        catch (Exception)
        {
            return Failed("broken stream");
        }

        RequestSample Failed(string kind) => new(startMs, null, time.GetElapsedTime(sent).TotalMilliseconds, null, null, [], kind);
    }
}
