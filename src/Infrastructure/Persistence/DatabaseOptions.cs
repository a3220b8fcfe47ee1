using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Portal.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Configuration section <c>Database</c> with the connection string <c>ConnectionStrings:Portal</c>.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    public const string ConnectionStringKey = "ConnectionStrings:Portal";

    /// <summary><c>Sqlite</c> (the default) or <c>PostgreSql</c>; kept as text so an unknown value gets a message naming the key.</summary>
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);

    /// <summary>From <c>ConnectionStrings:Portal</c>; an SQLite file by default.</summary>
    public string ConnectionString { get; set; } = PortalDatabase.DefaultSqliteConnectionString;

    /// <summary>The provider; only read after validation, which refuses an unknown <see cref="Provider"/>.</summary>
    public DatabaseProvider Kind =>
        Enum.TryParse<DatabaseProvider>(Provider, ignoreCase: true, out var kind) && Enum.IsDefined(kind) ? kind : DatabaseProvider.Sqlite;

    public static DatabaseOptions From(IConfiguration configuration) => new()
    {
        Provider = configuration[$"{Section}:Provider"] is { Length: > 0 } provider ? provider.Trim() : nameof(DatabaseProvider.Sqlite),
        ConnectionString = configuration.GetConnectionString("Portal") is { Length: > 0 } cs ? cs : PortalDatabase.DefaultSqliteConnectionString,
    };

    /// <summary>Where the database is, for messages: the SQLite file, or the PostgreSQL host, port and database.</summary>
    public string Describe()
    {
        if (!Enum.TryParse<DatabaseProvider>(Provider, true, out var kind) || kind != DatabaseProvider.PostgreSql)
        {
            return $"the SQLite database '{ConnectionString}'";
        }

        try
        {
            var pg = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL at {pg.Host ?? "localhost"}:{pg.Port}, database '{pg.Database ?? pg.Username ?? "(default)"}'";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (the connection string does not parse)";
        }
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.TryParse<DatabaseProvider>(Provider, true, out var kind) || !Enum.IsDefined(kind))
        {
            yield return new ValidationResult(UnknownProvider(Provider), [nameof(Provider)]);
            yield break;
        }

        if (kind == DatabaseProvider.PostgreSql)
        {
            string? problem = null;
            try
            {
                var pg = new NpgsqlConnectionStringBuilder(ConnectionString);
                if (string.IsNullOrEmpty(pg.Host))
                {
                    problem = $"{ConnectionStringKey} names no Host; with Database:Provider=PostgreSql it must be an Npgsql connection string like \"Host=db;Database=portal;Username=portal;Password=...\".";
                }
            }
            catch (ArgumentException e)
            {
                problem = $"{ConnectionStringKey} is not an Npgsql connection string ({e.Message}); with Database:Provider=PostgreSql it must look like \"Host=db;Database=portal;Username=portal;Password=...\".";
            }

            if (problem is not null)
            {
                yield return new ValidationResult(problem, [nameof(ConnectionString)]);
            }
        }
    }

    private static string UnknownProvider(string value) =>
        $"Database:Provider '{value}' is not known; use Sqlite (the default, one portal process) or PostgreSql (several replicas).";
}
