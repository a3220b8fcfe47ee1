using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Portal.Infrastructure.Persistence;

namespace Portal.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the portal.</summary>
public sealed class DesignTimePortalDbFactory : IDesignTimeDbContextFactory<PortalDb>
{
    public PortalDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalSqlite("Data Source=design-time.db");
        return new PortalDb(options.Options);
    }
}
