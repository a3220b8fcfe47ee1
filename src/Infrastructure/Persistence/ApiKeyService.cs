using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Security;

namespace Portal.Infrastructure.Persistence;

public sealed record CreatedApiKey(Guid Id, string Name, string Prefix, string Key);

public sealed record ApiKeyRow(Guid Id, string Name, string Prefix, string OwnerEmail, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Who an API key speaks for: its owner and the owner's roles.</summary>
public sealed record ApiKeyIdentity(Guid KeyId, string UserId, string Email, IReadOnlyList<string> Roles);

/// <summary>
/// API keys: created (and shown) once, stored as a SHA-256 hash, revocable. Validation is cached
/// briefly so the gateway does not query the database on every request; revoking clears the cache.
/// </summary>
public sealed partial class ApiKeyService(
    IDbContextFactory<PortalDb> dbFactory,
    IServiceScopeFactory scopes,
    IMemoryCache cache,
    TimeProvider time,
    ILogger<ApiKeyService> logger)
{
    public const string KeyPrefix = "ipk_";
    public const int MinimumLength = 24;
    private const int PrefixLength = 12;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LastUsedEvery = TimeSpan.FromMinutes(1);

    public async Task<CreatedApiKey> CreateAsync(string userId, string name, CancellationToken cancellationToken) =>
        await StoreAsync(userId, name, KeyPrefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32)), cancellationToken);

    /// <summary>Makes sure a configured key (Auth:BootstrapApiKey) exists for <paramref name="userId"/>; idempotent.</summary>
    public async Task EnsureKeyAsync(string userId, string name, string key, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var hash = Hash(key);
        if (!await db.ApiKeys.AnyAsync(k => k.Hash == hash, cancellationToken))
        {
            await StoreAsync(userId, name, key, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListAsync(string requesterId, bool all, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiKeys.AsNoTracking()
            .Where(k => all || k.UserId == requesterId)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, u.Email })
            .ToListAsync(cancellationToken);
        return rows
            .OrderByDescending(r => r.Key.CreatedAt)
            .Select(r => new ApiKeyRow(r.Key.Id, r.Key.Name, r.Key.Prefix, r.Email ?? "", r.Key.CreatedAt, r.Key.LastUsedAt, r.Key.RevokedAt))
            .ToList();
    }

    /// <summary>Revokes a key the requester owns (or any key, for an Admin); false when there is no such key for them.</summary>
    public async Task<bool> RevokeAsync(Guid keyId, string requesterId, bool isAdmin, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && (isAdmin || k.UserId == requesterId), cancellationToken);
        if (key is null)
        {
            return false;
        }

        key.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        cache.Remove(key.Hash);
        return true;
    }

    /// <summary>The identity behind a presented key, or null for an unknown or revoked key.</summary>
    public async ValueTask<ApiKeyIdentity?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (presented.Length < MinimumLength)
        {
            return null;
        }

        var hash = Hash(presented);
        if (cache.TryGetValue(hash, out ApiKeyIdentity? cached))
        {
            return cached;
        }

        var identity = await LoadAsync(hash, cancellationToken);
        cache.Set(hash, identity, CacheFor);
        return identity;
    }

    private async Task<ApiKeyIdentity?> LoadAsync(string hash, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        if (key is null || key.RevokedAt is not null)
        {
            return null;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(key.UserId);
        if (user is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedEvery)
        {
            key.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new ApiKeyIdentity(key.Id, user.Id, user.Email ?? user.UserName ?? user.Id, [.. await users.GetRolesAsync(user)]);
    }

    private async Task<CreatedApiKey> StoreAsync(string userId, string name, string key, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = new ApiKey
        {
            UserId = userId,
            Name = string.IsNullOrWhiteSpace(name) ? "api key" : name.Trim(),
            Prefix = key[..PrefixLength],
            Hash = Hash(key),
            CreatedAt = time.GetUtcNow(),
        };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        LogCreated(row.Prefix, userId);
        return new CreatedApiKey(row.Id, row.Name, row.Prefix, key);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {Prefix}… for user {UserId}")]
    private partial void LogCreated(string prefix, string userId);
}
