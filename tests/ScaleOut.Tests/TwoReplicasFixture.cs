using Portal.TestSupport;

namespace Portal.ScaleOut.Tests;

/// <summary>One pair of replicas shared by the tests of <see cref="TwoReplicaTests"/>: a cluster of 40 GPUs, a gateway limit of 30 per minute.</summary>
public sealed class TwoReplicasFixture(PostgreSqlServer postgres) : IAsyncLifetime
{
    public const int RateLimitPerMinute = 30;

    public PortalReplicas Pair { get; private set; } = default!;

    public PostgreSqlServer Postgres => postgres;

    public async ValueTask InitializeAsync() =>
        Pair = await PortalReplicas.StartAsync(
            postgres,
            PortalOnSimulator.FastSimulator with { Nodes = 5, GpusPerNode = 8 },
            new Dictionary<string, string?> { ["Gateway:RateLimitPerMinute"] = RateLimitPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public ValueTask DisposeAsync() => Pair.DisposeAsync();
}
