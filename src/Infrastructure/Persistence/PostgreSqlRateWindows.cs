using Npgsql;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// The gateway's shared rate windows in PostgreSQL (the unlogged table <c>GatewayRateWindows</c>): one batch per claim,
/// serialised per partition by a transaction-scoped advisory lock, so two replicas never both take the last permits.
/// </summary>
public sealed class PostgreSqlRateWindows(PostgreSqlDataSource data) : ISharedRateWindows
{
    /// <summary>The first key of the claims' advisory locks ("PORR"); the second is a hash of the partition.</summary>
    private const int RateLockClass = 0x504F5252;

    private const string ClaimSql = """
        WITH g AS (
            SELECT LEAST($3::integer, $4::integer - COALESCE(SUM("Used"), 0))::integer AS n
            FROM "GatewayRateWindows" WHERE "Partition" = $1 AND "Segment" > $2 - $5::integer),
        ins AS (
            INSERT INTO "GatewayRateWindows" ("Partition", "Segment", "Used")
            SELECT $1, $2, n FROM g WHERE n > 0
            ON CONFLICT ("Partition", "Segment") DO UPDATE SET "Used" = "GatewayRateWindows"."Used" + EXCLUDED."Used")
        SELECT GREATEST(n, 0) AS granted FROM g
        """;

    public async Task<int> ClaimAsync(RateClaim claim, CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        // A batch runs as one implicit transaction: the advisory lock holds until the claim is written.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock($1, hashtext($2))", RateLockClass, claim.Partition));
        if (claim.Refund > 0)
        {
            batch.BatchCommands.Add(Command(
                """UPDATE "GatewayRateWindows" SET "Used" = GREATEST("Used" - $3, 0) WHERE "Partition" = $1 AND "Segment" = $2""",
                claim.Partition, claim.RefundSegment, claim.Refund));
        }

        batch.BatchCommands.Add(Command(
            """DELETE FROM "GatewayRateWindows" WHERE "Partition" = $1 AND "Segment" <= $2 - $3::integer""",
            claim.Partition, claim.Segment, claim.SegmentsPerWindow));
        batch.BatchCommands.Add(Command(ClaimSql, claim.Partition, claim.Segment, claim.Wanted, claim.Limit, claim.SegmentsPerWindow));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var granted = 0;
        do
        {
            if (reader.FieldCount == 1 && reader.GetName(0) == "granted" && await reader.ReadAsync(cancellationToken))
            {
                granted = reader.GetInt32(0);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return granted;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
