using Portal.TestSupport;

[assembly: AssemblyFixture(typeof(PostgreSqlServer))]
