using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Portal.Infrastructure.Persistence;

namespace Portal.Migrations.PostgreSql;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the portal (no server is contacted).</summary>
public sealed class DesignTimePortalDbFactory : IDesignTimeDbContextFactory<PortalDb>
{
    public PortalDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalPostgreSql("Host=localhost;Database=portal_design_time");
        return new PortalDb(options.Options);
    }
}
