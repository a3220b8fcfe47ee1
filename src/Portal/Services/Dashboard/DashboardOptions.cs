using System.ComponentModel.DataAnnotations;

namespace Portal.Services.Dashboard;

/// <summary>How the dashboard refreshes (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>How often live charts append new points.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Queries one open dashboard runs against Prometheus at the same time.</summary>
    [Range(1, 16)]
    public int MaxConcurrentQueries { get; set; } = 4;
}
