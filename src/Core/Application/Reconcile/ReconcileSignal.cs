namespace Portal.Application.Reconcile;

/// <summary>
/// Asks for a reconcile pass soon: raised by the cluster watch and by jobs when they finish, so the
/// observed state follows a change in about a second rather than at the next recurring pass.
/// Requests made while one is pending collapse into one pass.
/// </summary>
public sealed class ReconcileSignal
{
    private readonly SemaphoreSlim _requested = new(0, 1);

    public void Request()
    {
        try
        {
            _requested.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already due.
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _requested.WaitAsync(cancellationToken);
}
