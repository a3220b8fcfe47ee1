using System.Reflection;
using Portal.Benchmarks;

// Usage: dotnet run -c Release --project tests/Benchmarks -- [name ...]
// With no name, lists the benchmarks. Each prints its figures (both sides of a comparison in one run).
// Fixtures find files next to the executable (the test host's app manifest, for one), whatever the caller's folder.
Directory.SetCurrentDirectory(AppContext.BaseDirectory);

var all = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

if (args.Length == 0)
{
    Console.WriteLine("benchmarks (pass one or more names, or 'all'):");
    foreach (var b in all)
    {
        Console.WriteLine($"  {b.Name,-28} {b.Description}");
    }

    return 0;
}

var chosen = args.Contains("all") ? all : all.Where(b => args.Contains(b.Name)).ToList();
if (chosen.Count == 0)
{
    Console.Error.WriteLine($"unknown benchmark: {string.Join(' ', args)}");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
foreach (var benchmark in chosen)
{
    Console.WriteLine($"=== {benchmark.Name}: {benchmark.Description}");
    await benchmark.RunAsync(cts.Token);
    Console.WriteLine();
}

return 0;
