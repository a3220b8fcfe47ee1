using System.Net.Sockets;
using Npgsql;

namespace Portal.Infrastructure.Persistence;

/// <summary>The portal database cannot be used; the message names where it is and the setting to fix.</summary>
public sealed class PortalDatabaseException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Wraps a failure to reach or use the database in a message a person can act on.</summary>
    public static PortalDatabaseException From(DatabaseOptions database, Exception e) =>
        new($"The portal database is not usable: {database.Describe()}: {Reason(e)}. Check {DatabaseOptions.ConnectionStringKey} " +
            $"(and Database:Provider={database.Provider}).", e);

    /// <summary>The cause in a few words: the server's own message, or what the network said.</summary>
    public static string Reason(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } pg => $"{pg.MessageText} (create it first, e.g. CREATE DATABASE ... OWNER ...)",
        PostgresException pg => $"{pg.MessageText} ({pg.SqlState})",
        _ when Find<SocketException>(e) is { } socket => $"cannot connect ({socket.SocketErrorCode}: {socket.Message})",
        NpgsqlException { InnerException: TimeoutException } => "the connection timed out",
        NpgsqlException npgsql => npgsql.Message,
        _ when e.InnerException is { } inner && e is not PortalDatabaseException => Reason(inner),
        _ => e.Message,
    };

    /// <summary>True for failures of the database itself (reaching it, signing in, its errors), not of the portal's code.</summary>
    public static bool IsDatabaseFailure(Exception e) =>
        e is NpgsqlException or Microsoft.Data.Sqlite.SqliteException || (e.InnerException is { } inner && IsDatabaseFailure(inner));

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
