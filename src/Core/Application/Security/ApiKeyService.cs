using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Portal.Application.Ports;
using Portal.Domain.Security;

namespace Portal.Application.Security;

public sealed record CreatedApiKey(Guid Id, string Name, string Prefix, string Key);

public sealed record ApiKeyRow(Guid Id, string Name, string Prefix, string OwnerEmail, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Who an API key speaks for: its owner and the owner's roles.</summary>
public sealed record ApiKeyIdentity(Guid KeyId, string UserId, string Email, IReadOnlyList<string> Roles);

/// <summary>
/// API keys: created (and shown) once, stored as a SHA-256 hash, revocable. Validation is cached for a second so the
/// gateway does not query the database on every request. Revoking a key, and deleting its owner or changing the
/// owner's role (<see cref="ForgetUser"/>), take effect at once on this replica; <see cref="Revoked"/> lets the
/// infrastructure tell the other replicas, which call <see cref="ForgetCached"/> (without that channel, their cache
/// holds its answer for at most <see cref="CacheFor"/>).
/// </summary>
public sealed partial class ApiKeyService(
    IApiKeyStore store,
    IMemoryCache cache,
    TimeProvider time,
    ILogger<ApiKeyService> logger)
{
    public const string KeyPrefix = "ipk_";
    public const int MinimumLength = 24;
    private const int PrefixLength = 12;
    /// <summary>How long one replica trusts what it last read about a key: the longest a revocation elsewhere takes to reach it.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _byUser = new(StringComparer.Ordinal);
    private static readonly TimeSpan LastUsedEvery = TimeSpan.FromMinutes(1);

    /// <summary>Raised with the key's hash after this process revoked it.</summary>
    public event Action<string>? Revoked;

    public Task<CreatedApiKey> CreateAsync(string userId, string name, CancellationToken cancellationToken) =>
        StoreAsync(userId, name, KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32)), cancellationToken);

    /// <summary>Makes sure a configured key (Auth:BootstrapApiKey) exists for <paramref name="userId"/>; idempotent.</summary>
    public async Task EnsureKeyAsync(string userId, string name, string key, CancellationToken cancellationToken)
    {
        if (!await store.ExistsAsync(Hash(key), cancellationToken))
        {
            await StoreAsync(userId, name, key, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListAsync(string requesterId, bool all, CancellationToken cancellationToken) =>
        (await store.ListAsync(all ? null : requesterId, cancellationToken))
            .Select(r => new ApiKeyRow(r.Key.Id, r.Key.Name, r.Key.Prefix, r.OwnerEmail, r.Key.CreatedAt, r.Key.LastUsedAt, r.Key.RevokedAt))
            .ToList();

    /// <summary>Revokes a key the requester owns (or any key, for an Admin); false when there is no such key for them.</summary>
    public async Task<bool> RevokeAsync(Guid keyId, string requesterId, bool isAdmin, CancellationToken cancellationToken)
    {
        var hash = await store.RevokeAsync(keyId, isAdmin ? null : requesterId, time.GetUtcNow(), cancellationToken);
        if (hash is null)
        {
            return false;
        }

        cache.Remove(hash);
        Revoked?.Invoke(hash);
        return true;
    }

    /// <summary>Drops a cached validation: another replica revoked that key.</summary>
    public void ForgetCached(string hash) => cache.Remove(hash);

    /// <summary>
    /// Drops every cached answer about <paramref name="userId"/>'s keys, so a deleted user's keys stop working and a
    /// changed role applies from the next request on.
    /// </summary>
    public void ForgetUser(string userId)
    {
        if (_byUser.TryRemove(userId, out var forget))
        {
            forget.Cancel();
            forget.Dispose();
        }
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
        var entry = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor };
        if (identity is not null)
        {
            var forget = _byUser.GetOrAdd(identity.UserId, _ => new CancellationTokenSource());
            try
            {
                entry.AddExpirationToken(new CancellationChangeToken(forget.Token));
            }
            catch (ObjectDisposedException)
            {
                return identity; // the user was forgotten meanwhile: answer, but do not cache
            }
        }

        cache.Set(hash, identity, entry);
        return identity;
    }

    private async Task<ApiKeyIdentity?> LoadAsync(string hash, CancellationToken cancellationToken)
    {
        var key = await store.FindAsync(hash, cancellationToken);
        if (key is null || key.RevokedAt is not null || await store.OwnerAsync(key.UserId, cancellationToken) is not { } owner)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedEvery)
        {
            await store.TouchAsync(key.Id, now, cancellationToken);
        }

        return new ApiKeyIdentity(key.Id, owner.UserId, owner.Email, owner.Roles);
    }

    private async Task<CreatedApiKey> StoreAsync(string userId, string name, string key, CancellationToken cancellationToken)
    {
        var row = new ApiKey
        {
            UserId = userId,
            Name = string.IsNullOrWhiteSpace(name) ? "api key" : name.Trim(),
            Prefix = key[..PrefixLength],
            Hash = Hash(key),
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(row, cancellationToken);
        LogCreated(row.Prefix, userId);
        return new CreatedApiKey(row.Id, row.Name, row.Prefix, key);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {Prefix}… for user {UserId}")]
    private partial void LogCreated(string prefix, string userId);
}
