using System.Collections.Frozen;

namespace Portal.Gateway;

/// <summary>The OpenAI operations the gateway forwards, with the path each has on an engine's OpenAI-compatible layer.</summary>
public enum GatewayOperation
{
    ChatCompletions,
    Completions,
    Embeddings,
}

/// <summary>
/// One ready engine pod. The object lives as long as the pod stays ready, across routing-table
/// rebuilds, so its outstanding-request count is never lost.
/// </summary>
public sealed class PodEndpoint
{
    private readonly Uri[] _uris;
    private int _outstanding;

    public PodEndpoint(string ns, string name, string destinationPrefix, string openAiBasePath)
    {
        Namespace = ns;
        Name = name;
        DestinationPrefix = destinationPrefix.TrimEnd('/');
        var basePath = DestinationPrefix + "/" + openAiBasePath.Trim('/');
        _uris =
        [
            new Uri(basePath + "/chat/completions"),
            new Uri(basePath + "/completions"),
            new Uri(basePath + "/embeddings"),
        ];
    }

    public string Namespace { get; }

    public string Name { get; }

    /// <summary>Where the pod's HTTP port is reached: <c>http://10.0.0.7:8000</c>, or the API server's pod proxy.</summary>
    public string DestinationPrefix { get; }

    /// <summary>Requests forwarded to this pod that have not finished yet.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public Uri UriFor(GatewayOperation operation) => _uris[(int)operation];

    internal void Enter() => Interlocked.Increment(ref _outstanding);

    internal void Leave() => Interlocked.Decrement(ref _outstanding);
}

/// <summary>A deployment the gateway knows: what it serves and the pods that serve it now (none when it is not ready).</summary>
public sealed class DeploymentRoute(
    string name, string ns, string framework, string modelName, string state, DateTimeOffset createdAt, PodEndpoint[] pods, DeploymentMetricSet metrics,
    bool wakesFromZero = false)
{
    private int _rotation;

    public string Name { get; } = name;

    public string Namespace { get; } = ns;

    public string Framework { get; } = framework;

    /// <summary>The name clients put in <c>model</c>; the engine knows the model by the same name.</summary>
    public string ModelName { get; } = modelName;

    /// <summary>The observed state as the database has it (<c>Ready</c>, <c>Deploying</c>, …).</summary>
    public string State { get; } = state;

    public IReadOnlyList<PodEndpoint> Pods => pods;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public bool IsServing => pods.Length > 0;

    /// <summary>Running with KEDA and a minimum of zero: a request for it is held while it wakes, instead of failing.</summary>
    public bool WakesFromZero { get; } = wakesFromZero;

    internal DeploymentMetricSet Metrics { get; } = metrics;

    /// <summary>The pod with the fewest outstanding requests, other than <paramref name="exclude"/>; ties go round-robin.</summary>
    public PodEndpoint? PickPod(PodEndpoint? exclude) => LeastOutstanding(pods, exclude, ref _rotation);

    internal static PodEndpoint? LeastOutstanding(PodEndpoint[] candidates, PodEndpoint? exclude, ref int rotation)
    {
        if (candidates.Length == 0)
        {
            return null;
        }

        var start = (int)((uint)Interlocked.Increment(ref rotation) % (uint)candidates.Length);
        PodEndpoint? best = null;
        var bestLoad = int.MaxValue;
        for (var i = 0; i < candidates.Length; i++)
        {
            var pod = candidates[(start + i) % candidates.Length];
            if (ReferenceEquals(pod, exclude))
            {
                continue;
            }

            var load = pod.Outstanding;
            if (load < bestLoad)
            {
                best = pod;
                bestLoad = load;
            }
        }

        return best;
    }
}

/// <summary>Every deployment serving one model name, and all their ready pods together.</summary>
public sealed class ModelRoute
{
    private readonly PodEndpoint[] _pods;
    private readonly FrozenDictionary<PodEndpoint, DeploymentRoute> _owners;
    private int _rotation;

    public ModelRoute(string model, IReadOnlyList<DeploymentRoute> deployments)
    {
        Model = model;
        Deployments = deployments;
        _pods = deployments.SelectMany(d => d.Pods).ToArray();
        _owners = deployments.SelectMany(d => d.Pods.Select(p => (Pod: p, Deployment: d)))
            .ToFrozenDictionary(x => x.Pod, x => x.Deployment);
    }

    public string Model { get; }

    public IReadOnlyList<DeploymentRoute> Deployments { get; }

    public bool IsServing => _pods.Length > 0;

    /// <summary>Listed and callable: serving now, or able to wake from zero.</summary>
    public bool IsAvailable => IsServing || Deployments.Any(d => d.WakesFromZero);

    /// <summary>Least outstanding requests across the replicas of every deployment serving the model.</summary>
    public PodEndpoint? PickPod(PodEndpoint? exclude, out DeploymentRoute? deployment)
    {
        var pod = DeploymentRoute.LeastOutstanding(_pods, exclude, ref _rotation);
        deployment = pod is null ? null : _owners[pod];
        return pod;
    }
}

/// <summary>An immutable view of what the gateway can route to, swapped whole when something changes.</summary>
public sealed class GatewayRouteSnapshot
{
    public static readonly GatewayRouteSnapshot Empty = new([], DateTimeOffset.MinValue);

    public GatewayRouteSnapshot(IReadOnlyList<DeploymentRoute> deployments, DateTimeOffset builtAt)
    {
        Deployments = deployments;
        BuiltAt = builtAt;
        ByDeployment = deployments.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);
        ByModel = deployments.GroupBy(d => d.ModelName, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => new ModelRoute(g.Key, g.OrderBy(d => d.Name, StringComparer.Ordinal).ToList()), StringComparer.Ordinal);
    }

    /// <summary>Every known deployment (running or stopped), ordered by name.</summary>
    public IReadOnlyList<DeploymentRoute> Deployments { get; }

    public FrozenDictionary<string, DeploymentRoute> ByDeployment { get; }

    public FrozenDictionary<string, ModelRoute> ByModel { get; }

    public DateTimeOffset BuiltAt { get; }
}

/// <summary>
/// The gateway's routing table: served model name → deployments → ready pods. Reading it is one
/// volatile read; <see cref="GatewayRouteSource"/> replaces the snapshot when the database or the
/// cluster changes, and <see cref="Changed"/> tells the playground.
/// </summary>
public sealed class GatewayRouteTable
{
    private volatile GatewayRouteSnapshot _current = GatewayRouteSnapshot.Empty;

    public GatewayRouteSnapshot Current => _current;

    /// <summary>Raised after a new snapshot is in place (on the updating thread).</summary>
    public event Action<GatewayRouteSnapshot>? Changed;

    internal void Publish(GatewayRouteSnapshot snapshot)
    {
        _current = snapshot;
        Changed?.Invoke(snapshot);
    }
}
