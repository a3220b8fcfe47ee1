using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Domain.Deployments;
using Portal.Domain.Security;

namespace Portal.Infrastructure.Persistence;

/// <summary>The portal database: deployments, the operation log and ASP.NET Core Identity.</summary>
public sealed class PortalDb(DbContextOptions<PortalDb> options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<Deployment> Deployments => Set<Deployment>();

    public DbSet<Operation> Operations => Set<Operation>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDb).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // SQLite cannot compare or order DateTimeOffset values; store them as sortable longs there.
        if (Database.IsSqlite())
        {
            builder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }

        builder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }
}
