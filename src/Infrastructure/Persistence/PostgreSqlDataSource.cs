using Npgsql;

namespace Portal.Infrastructure.Persistence;

/// <summary>The connections the persistence layer opens itself on PostgreSQL (notifications, rate windows), disposed with the host.</summary>
public sealed class PostgreSqlDataSource(DatabaseOptions options) : IDisposable
{
    public NpgsqlDataSource Source { get; } = NpgsqlDataSource.Create(options.ConnectionString);

    public void Dispose() => Source.Dispose();
}
