using k8s.Autorest;

namespace Portal.Reliability.Support;

/// <summary>A test's own reads through a cluster API that is answering 5xx on purpose: retried, as kubectl users would.</summary>
public static class Resilient
{
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (HttpOperationException e) when ((int)e.Response.StatusCode >= 500 && attempt < 30)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
