using Microsoft.EntityFrameworkCore;

namespace Portal.Infrastructure.Persistence;

/// <summary>How the portal database is chosen and configured, shared by the app and the design-time tools.</summary>
public static class PortalDatabase
{
    public const string SqliteMigrationsAssembly = "Portal.Migrations.Sqlite";

    public const string PostgreSqlMigrationsAssembly = "Portal.Migrations.PostgreSql";

    public const string DefaultSqliteConnectionString = "Data Source=portal.db";

    public static DbContextOptionsBuilder UsePortalSqlite(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly));

    public static DbContextOptionsBuilder UsePortalPostgreSql(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgreSqlMigrationsAssembly));

    public static DbContextOptionsBuilder UsePortalDatabase(this DbContextOptionsBuilder options, DatabaseOptions database) =>
        database.Kind == DatabaseProvider.PostgreSql
            ? options.UsePortalPostgreSql(database.ConnectionString)
            : options.UsePortalSqlite(database.ConnectionString);
}
