namespace Portal.Benchmarks;

/// <summary>A benchmark the runner finds by reflection; it prints its own figures.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
