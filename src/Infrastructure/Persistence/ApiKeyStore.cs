using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Ports;
using Portal.Domain.Security;

namespace Portal.Infrastructure.Persistence;

/// <summary>API keys in the portal database, and their owners through ASP.NET Core Identity's user manager.</summary>
public sealed class ApiKeyStore(IDbContextFactory<PortalDb> dbFactory, IServiceScopeFactory scopes) : IApiKeyStore
{
    public async Task AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AnyAsync(k => k.Hash == hash, cancellationToken);
    }

    public async Task<ApiKey?> FindAsync(string hash, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyWithOwner>> ListAsync(string? userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiKeys.AsNoTracking()
            .Where(k => userId == null || k.UserId == userId)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, u.Email })
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(r => r.Key.CreatedAt).Select(r => new ApiKeyWithOwner(r.Key, r.Email ?? "")).ToList();
    }

    public async Task<string?> RevokeAsync(Guid keyId, string? userId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && (userId == null || k.UserId == userId), cancellationToken);
        if (key is null)
        {
            return null;
        }

        key.RevokedAt ??= at;
        await db.SaveChangesAsync(cancellationToken);
        return key.Hash;
    }

    public async Task TouchAsync(Guid keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, at), cancellationToken);
    }

    public async Task<KeyOwner?> OwnerAsync(string userId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        return user is null ? null : new KeyOwner(user.Id, user.Email ?? user.UserName ?? user.Id, [.. await users.GetRolesAsync(user)]);
    }

    public async Task<bool> AnyUsersAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(cancellationToken);
    }
}
