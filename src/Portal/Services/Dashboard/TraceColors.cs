namespace Portal.Services.Dashboard;

/// <summary>
/// Colours of a dashboard's traces: a deployment has one colour on every chart (by its place among the deployments
/// in view), a GPU one per GPU. The session updates the order before it sends charts their data.
/// </summary>
public sealed class TraceColors
{
    /// <summary>Distinct hues that read on white and on the dark theme's surface.</summary>
    public static readonly string[] Palette =
    [
        "#6366f1", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#a855f7",
        "#ec4899", "#14b8a6", "#f97316", "#84cc16", "#06b6d4", "#eab308",
    ];

    private volatile IReadOnlyList<string> _deployments = [];

    /// <summary>When the gateway's figures are drawn beside the engine's, they get a colour of their own.</summary>
    public bool GatewayApart { get; init; }

    /// <summary>Sets the deployments in view, in the order colours are handed out.</summary>
    public void Use(IEnumerable<string> deployments) => _deployments = deployments.Order(StringComparer.Ordinal).ToList();

    public string ColorOf(TraceIdentity id)
    {
        if (id.Key == "(other)")
        {
            return "#9ca3af";
        }

        if (id.Deployment is { } deployment)
        {
            var list = _deployments;
            var index = StableHash(deployment);
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == deployment)
                {
                    index = i;
                    break;
                }
            }

            return Palette[(index + (GatewayApart && id.Source == "gateway" ? Palette.Length / 2 : 0)) % Palette.Length];
        }

        // GPUs ("node/index"): neighbours differ, nodes are offset so node 2's GPU 0 is not node 1's GPU 0.
        var slash = id.Key.LastIndexOf('/');
        var gpu = slash >= 0 && int.TryParse(id.Key[(slash + 1)..], out var n) ? n : StableHash(id.Key);
        var node = slash >= 0 ? StableHash(id.Key[..slash]) % 3 : 0;
        return Palette[(gpu + node * 4) % Palette.Length];
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash & int.MaxValue;
    }
}
