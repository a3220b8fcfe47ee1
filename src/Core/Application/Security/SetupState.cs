using Portal.Application.Ports;

namespace Portal.Application.Security;

/// <summary>
/// Whether the one-time setup (creating the first admin) is still open. Cached once a user exists, because
/// users are never all deleted through the portal.
/// </summary>
public sealed class SetupState(IApiKeyStore accounts)
{
    private volatile bool _completed;

    public async Task<bool> IsSetupRequiredAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return false;
        }

        _completed = await accounts.AnyUsersAsync(cancellationToken);
        return !_completed;
    }

    public void MarkCompleted() => _completed = true;
}
