namespace Portal.Simulator.Api;

/// <summary>A <c>pods/{name}/log</c> request: which container, which instance of it, how much and whether to follow.</summary>
internal sealed record PodLogRequest(string Namespace, string Pod, string? Container, bool Previous, int? TailLines, bool Follow);

/// <summary>Where the <c>pods/{name}/log</c> subresource reads a container's output.</summary>
internal interface IPodLogs
{
    /// <summary>Writes the log lines (the last <c>TailLines</c> when given), then with <c>Follow</c> new ones as they come.</summary>
    Task WriteAsync(PodLogRequest request, Stream output, CancellationToken cancellationToken);
}
