namespace Portal.Services.Deployments;

/// <summary>
/// Runs a page's refresh when asked, never two at once: requests that arrive while one runs fold into
/// one more run afterwards. A burst of "deployment changed" signals (a pull reports every 300 ms,
/// reconcile after every pod event) costs a page at most two reloads.
/// </summary>
public sealed class CoalescingRefresh(Func<CancellationToken, Task> refresh)
{
    private readonly Lock _lock = new();
    private bool _running;
    private bool _pending;

    /// <summary>Asks for a refresh; returns when the refresh it started (if any) has finished.</summary>
    public async Task RequestAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_running)
            {
                _pending = true;
                return;
            }

            _running = true;
        }

        try
        {
            while (true)
            {
                await refresh(cancellationToken);
                lock (_lock)
                {
                    if (!_pending || cancellationToken.IsCancellationRequested)
                    {
                        _running = false;
                        _pending = false;
                        return;
                    }

                    _pending = false;
                }
            }
        }
        catch
        {
            lock (_lock)
            {
                _running = false;
                _pending = false;
            }

            throw;
        }
    }
}
