namespace Portal.Domain.Security;

/// <summary>
/// An API key: it belongs to a user and acts with that user's role. Only a hash is stored;
/// the key itself is shown once, at creation.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string UserId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>The first characters of the key, shown in lists and used to find the row.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>SHA-256 of the whole key, hex.</summary>
    public string Hash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsRevoked => RevokedAt is not null;
}
