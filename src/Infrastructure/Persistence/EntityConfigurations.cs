using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Deployments;
using Portal.Domain.Security;

namespace Portal.Infrastructure.Persistence;

internal sealed class DeploymentConfiguration : IEntityTypeConfiguration<Deployment>
{
    private static readonly JsonSerializerOptions SpecJson = PortalJson.Options;

    public void Configure(EntityTypeBuilder<Deployment> entity)
    {
        entity.HasKey(d => d.Id);
        entity.HasIndex(d => d.Name).IsUnique();
        entity.HasIndex(d => d.Namespace);
        entity.Property(d => d.Name).HasMaxLength(63);
        entity.Property(d => d.Namespace).HasMaxLength(63);
        entity.Property(d => d.Framework).HasMaxLength(32);
        entity.Property(d => d.Model).HasMaxLength(256);
        entity.Property(d => d.LastEvent).HasMaxLength(2048);
        entity.Property(d => d.LastError).HasMaxLength(4096);
        entity.Property(d => d.Drift).HasMaxLength(2048);
        entity.Property(d => d.PulledModel).HasMaxLength(256);
        entity.Ignore(d => d.DesiredReplicas);
        entity.Ignore(d => d.EffectiveSpec);
        entity.Ignore(d => d.ETag);

        // The spec is one JSON document: new optional fields need no migration.
        entity.Property(d => d.Spec)
            .HasColumnName("SpecJson")
            .HasConversion(
                spec => JsonSerializer.Serialize(spec, SpecJson),
                json => JsonSerializer.Deserialize<DeploymentSpec>(json, SpecJson) ?? new DeploymentSpec(),
                new ValueComparer<DeploymentSpec>(
                    (a, b) => JsonSerializer.Serialize(a, SpecJson) == JsonSerializer.Serialize(b, SpecJson),
                    spec => JsonSerializer.Serialize(spec, SpecJson).GetHashCode(),
                    spec => spec));

        entity.Property(d => d.ConcurrencyStamp).IsConcurrencyToken();
    }
}

internal sealed class OperationConfiguration : IEntityTypeConfiguration<Operation>
{
    public void Configure(EntityTypeBuilder<Operation> entity)
    {
        entity.HasKey(o => o.Id);
        entity.HasIndex(o => new { o.DeploymentId, o.RequestedAt });
        entity.HasIndex(o => o.RequestedAt);
        entity.Property(o => o.DeploymentName).HasMaxLength(63);
        entity.Property(o => o.RequestedBy).HasMaxLength(256);
        entity.Property(o => o.JobId).HasMaxLength(64);
        entity.Property(o => o.Parameters).HasMaxLength(1024);
        entity.Property(o => o.Message).HasMaxLength(4096);
        entity.Property(o => o.Reason).HasMaxLength(2048);
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> entity)
    {
        entity.HasKey(k => k.Id);
        entity.HasIndex(k => k.Prefix).IsUnique();
        entity.HasIndex(k => k.UserId);
        entity.Property(k => k.Prefix).HasMaxLength(16);
        entity.Property(k => k.Hash).HasMaxLength(64);
        entity.Property(k => k.Name).HasMaxLength(100);
        entity.Ignore(k => k.IsRevoked);
        entity.HasOne<PortalUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class GatewayRateWindowConfiguration : IEntityTypeConfiguration<GatewayRateWindow>
{
    public void Configure(EntityTypeBuilder<GatewayRateWindow> entity)
    {
        entity.HasKey(w => new { w.Partition, w.Segment });
        entity.Property(w => w.Partition).HasMaxLength(128);
    }
}
