using Portal.Domain.Security;

namespace Portal.Application.Ports;

/// <summary>A key with the email of the user it belongs to, for lists.</summary>
public sealed record ApiKeyWithOwner(ApiKey Key, string OwnerEmail);

/// <summary>Who a key's owner is: the account and its roles as they are now.</summary>
public sealed record KeyOwner(string UserId, string Email, IReadOnlyList<string> Roles);

/// <summary>The API keys and the user accounts they act for, as the portal database holds them.</summary>
public interface IApiKeyStore
{
    Task AddAsync(ApiKey key, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string hash, CancellationToken cancellationToken);

    Task<ApiKey?> FindAsync(string hash, CancellationToken cancellationToken);

    /// <summary>The keys of one user, or every key when <paramref name="userId"/> is null; newest first.</summary>
    Task<IReadOnlyList<ApiKeyWithOwner>> ListAsync(string? userId, CancellationToken cancellationToken);

    /// <summary>Marks the key revoked (when it exists and, unless <paramref name="userId"/> is null, belongs to that user); returns its hash.</summary>
    Task<string?> RevokeAsync(Guid keyId, string? userId, DateTimeOffset at, CancellationToken cancellationToken);

    Task TouchAsync(Guid keyId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The account a key acts for, or null when it no longer exists.</summary>
    Task<KeyOwner?> OwnerAsync(string userId, CancellationToken cancellationToken);

    Task<bool> AnyUsersAsync(CancellationToken cancellationToken);
}
