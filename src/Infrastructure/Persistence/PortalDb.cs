using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Domain.Deployments;
using Portal.Domain.Security;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// The portal database: deployments, the operation log, ASP.NET Core Identity, the Data Protection key ring (so
/// sign-in cookies and antiforgery tokens are valid on every replica) and the gateway's shared rate-limit windows.
/// </summary>
public sealed class PortalDb(DbContextOptions<PortalDb> options) : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    public DbSet<Deployment> Deployments => Set<Deployment>();

    public DbSet<Operation> Operations => Set<Operation>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<GatewayRateWindow> GatewayRateWindows => Set<GatewayRateWindow>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDb).Assembly);
        if (Database.IsNpgsql())
        {
            // Counters that only matter for the current minute: not worth the write-ahead log.
            builder.Entity<GatewayRateWindow>().IsUnlogged();
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // SQLite cannot compare or order DateTimeOffset values; store them as sortable longs there.
        // PostgreSQL keeps them as timestamp with time zone (Npgsql writes UTC values only: the portal uses UTC throughout).
        if (Database.IsSqlite())
        {
            builder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }

        builder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }
}
