using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Benchmarks;
using Portal.Domain.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>Benchmark runs: the deployment's spec and the plan as JSON documents (new optional fields need no migration).</summary>
internal sealed class BenchmarkRunConfiguration : IEntityTypeConfiguration<BenchmarkRun>
{
    public void Configure(EntityTypeBuilder<BenchmarkRun> entity)
    {
        entity.ToTable("BenchmarkRuns");
        entity.HasKey(r => r.Id);
        entity.HasIndex(r => r.CreatedAt);
        entity.HasIndex(r => r.DeploymentName);
        entity.Property(r => r.DeploymentName).HasMaxLength(63);
        entity.Property(r => r.Framework).HasMaxLength(32);
        entity.Property(r => r.Model).HasMaxLength(256);
        entity.Property(r => r.ImageTag).HasMaxLength(128);
        entity.Property(r => r.GpuType).HasMaxLength(128);
        entity.Property(r => r.Reason).HasMaxLength(4096);
        entity.Property(r => r.RequestedBy).HasMaxLength(256);
        entity.Property(r => r.JobId).HasMaxLength(64);
        entity.Property(r => r.Spec).HasColumnName("SpecJson").HasConversion(Json<DeploymentSpec>.Converter(() => new DeploymentSpec()), Json<DeploymentSpec>.Comparer);
        entity.Property(r => r.Plan).HasColumnName("PlanJson").HasConversion(Json<BenchmarkPlan>.Converter(() => new BenchmarkPlan()), Json<BenchmarkPlan>.Comparer);
        entity.Ignore(r => r.TotalGpus);
        entity.Ignore(r => r.IsFinished);
        entity.Ignore(r => r.Label);
        entity.HasMany(r => r.Steps).WithOne().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>One row per finished step; each latency distribution is a complex type (columns Ttft_P50, …).</summary>
internal sealed class BenchmarkStepConfiguration : IEntityTypeConfiguration<BenchmarkStep>
{
    public void Configure(EntityTypeBuilder<BenchmarkStep> entity)
    {
        entity.ToTable("BenchmarkSteps");
        entity.HasKey(s => s.Id);
        entity.HasIndex(s => new { s.RunId, s.Index }).IsUnique();
        entity.Property(s => s.MetricsNote).HasMaxLength(2048);
        entity.Property(s => s.ErrorKinds).HasColumnName("ErrorKindsJson")
            .HasConversion(Json<Dictionary<string, int>>.Converter(() => []), Json<Dictionary<string, int>>.Comparer);
        entity.ComplexProperty(s => s.Ttft);
        entity.ComplexProperty(s => s.Itl);
        entity.ComplexProperty(s => s.Tpot);
        entity.ComplexProperty(s => s.E2e);
        entity.HasOne<BenchmarkStepSamples>().WithOne().HasForeignKey<BenchmarkStepSamples>(s => s.StepId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>The per-request samples of a step, one JSON document beside the step row (read only for exports and histograms).</summary>
internal sealed class BenchmarkStepSamplesConfiguration : IEntityTypeConfiguration<BenchmarkStepSamples>
{
    public void Configure(EntityTypeBuilder<BenchmarkStepSamples> entity)
    {
        entity.ToTable("BenchmarkSamples");
        entity.HasKey(s => s.StepId);
        entity.Property(s => s.StepId).ValueGeneratedNever();
        entity.Property(s => s.Samples).HasColumnName("SamplesJson")
            .HasConversion(Json<IReadOnlyList<RequestSample>>.Converter(() => []), Json<IReadOnlyList<RequestSample>>.Comparer);
    }
}

/// <summary>A value stored as a JSON document in the portal's one JSON shape.</summary>
internal static class Json<T>
{
    private static readonly JsonSerializerOptions Options = PortalJson.Options;

    public static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Converter(Func<T> empty) => new(
        value => JsonSerializer.Serialize(value, Options),
        json => JsonSerializer.Deserialize<T>(json, Options) ?? empty());

    public static ValueComparer<T> Comparer { get; } = new(
        (a, b) => JsonSerializer.Serialize(a, Options) == JsonSerializer.Serialize(b, Options),
        value => JsonSerializer.Serialize(value, Options).GetHashCode(),
        value => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, Options), Options)!);
}
