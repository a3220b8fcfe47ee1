using Microsoft.EntityFrameworkCore;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Whether the one-time setup (creating the first admin) is still open. Cached once a user
/// exists, because users are never all deleted through the portal.
/// </summary>
public sealed class SetupState(IDbContextFactory<PortalDb> dbFactory)
{
    private volatile bool _completed;

    public async Task<bool> IsSetupRequiredAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return false;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        _completed = await db.Users.AnyAsync(cancellationToken);
        return !_completed;
    }

    public void MarkCompleted() => _completed = true;
}
