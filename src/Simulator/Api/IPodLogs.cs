namespace Portal.Simulator.Api;

/// <summary>Where the <c>pods/{name}/log</c> subresource reads a container's output.</summary>
internal interface IPodLogs
{
    /// <summary>Writes the log lines (the last <paramref name="tailLines"/> when given), then with <paramref name="follow"/> new ones as they come.</summary>
    Task WriteAsync(string ns, string pod, int? tailLines, bool follow, Stream output, CancellationToken cancellationToken);
}
