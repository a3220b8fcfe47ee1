using Portal.TestSupport;

[assembly: AssemblyFixture(typeof(PostgreSqlServer))]

namespace Portal.ScaleOut.Tests;

/// <summary>
/// Every class here runs in this one collection, so one class at a time: each runs several portal processes, and the
/// timing the tests check (two seconds, two reconcile intervals) should be the portal's, not four processes' fighting over two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReplicaCollection
{
    public const string Name = "portal replicas";
}
