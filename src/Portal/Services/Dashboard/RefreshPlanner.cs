namespace Portal.Services.Dashboard;

/// <summary>
/// Which window each panel asks Prometheus for on a refresh: the whole range for a panel not loaded yet (or away
/// longer than the range), else only the points after the last ones drawn. A pure function of the panels, the filter
/// and the time.
/// </summary>
public static class RefreshPlanner
{
    public static IReadOnlyList<(PanelDefinition Panel, DashboardWindow Window)> Plan(IReadOnlyList<PanelFeed> panels, DashboardFilter filter, DateTimeOffset now)
    {
        var full = DashboardWindow.For(filter, now);
        var work = new List<(PanelDefinition, DashboardWindow)>();
        foreach (var panel in panels)
        {
            if (panel.Loaded is not { } loaded)
            {
                work.Add((panel.Definition, full));
            }
            else if (filter.IsLive && full.After(loaded.End, now) is { } next)
            {
                if (next.Start != loaded.End + full.Step)
                {
                    panel.Loaded = null; // away longer than the range: draw it afresh
                    work.Add((panel.Definition, full));
                }
                else
                {
                    work.Add((panel.Definition, next));
                }
            }
        }

        return work;
    }
}
