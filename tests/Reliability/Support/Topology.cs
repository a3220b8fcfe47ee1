namespace Portal.Reliability.Support;

/// <summary>
/// How many portal replicas a test runs against. Today one, on SQLite with in-memory job storage. The two-replica
/// variants (PostgreSQL for the database and Hangfire, shared Data Protection keys, the gateway's rate limit across
/// replicas) come with the PostgreSQL scale-out: add <c>TwoOnPostgres</c> to <see cref="All"/> and teach
/// <see cref="PortalReplicas"/> to start it; every test that takes a <see cref="Topology"/> then runs on both.
/// </summary>
public sealed record Topology(string Name, int Replicas)
{
    public static readonly Topology Single = new("1 replica, SQLite", 1);

    /// <summary>The topologies the suite runs today.</summary>
    public static TheoryData<string> All => new(Single.Name);

    public static Topology Named(string name) => name == Single.Name
        ? Single
        : throw new NotSupportedException($"topology '{name}' needs PostgreSQL scale-out (branch pg-scaleout)");

    public override string ToString() => Name;
}
