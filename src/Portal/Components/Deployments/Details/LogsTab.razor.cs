using Microsoft.AspNetCore.Components;
using Portal.Application.Deployments;
using Portal.Application.Ports;

namespace Portal.Components.Deployments.Details;

/// <summary>Reads a pod's log tail through <see cref="DeploymentInsights"/>, and follows it while the switch is on.</summary>
public sealed partial class LogsTab : IAsyncDisposable
{
    private const int MaxLines = 5_000;
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _disposed = new();
    private readonly List<string> _lines = [];
    private CancellationTokenSource? _following;
    private string? _pod;
    private int _tail = 100;
    private bool _follow;
    private bool _renderScheduled;
    private string? _error;

    [Inject]
    public required DeploymentInsights Insights { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Parameter, EditorRequired]
    public string Namespace { get; set; } = "";

    /// <summary>The deployment's pods; null while they are being read.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<PodInfo>? Pods { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        if (Pods is { Count: > 0 } pods && (_pod is null || pods.All(p => p.Name != _pod)))
        {
            _pod = (pods.FirstOrDefault(p => p.Ready) ?? pods[0]).Name;
            await RestartAsync();
        }
    }

    private Task PodChangedAsync(string? pod)
    {
        _pod = pod;
        return RestartAsync();
    }

    private Task TailChangedAsync(int tail)
    {
        _tail = tail;
        return RestartAsync();
    }

    private Task FollowChangedAsync(bool follow)
    {
        _follow = follow;
        return RestartAsync();
    }

    private Task ReloadAsync() => RestartAsync();

    /// <summary>Stops a running follow, then reads the tail again (and follows it when the switch is on).</summary>
    private async Task RestartAsync()
    {
        if (_following is not null)
        {
            await _following.CancelAsync();
            _following.Dispose();
            _following = null;
        }

        _error = null;
        _lines.Clear();
        if (_pod is null)
        {
            return;
        }

        if (!_follow)
        {
            try
            {
                _lines.AddRange(await Insights.LogTailAsync(Namespace, _pod, _tail, _disposed.Token));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _error = $"The log of {_pod} cannot be read now: {Insights.Describe(e)}";
            }

            return;
        }

        _following = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        _ = FollowAsync(_pod, _following.Token);
    }

    private async Task FollowAsync(string pod, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var line in Insights.FollowLogAsync(Namespace, pod, _tail, cancellationToken))
            {
                await InvokeAsync(() =>
                {
                    _lines.Add(line);
                    if (_lines.Count > MaxLines)
                    {
                        _lines.RemoveRange(0, _lines.Count - MaxLines);
                    }

                    ScheduleRender();
                });
            }

            await InvokeAsync(() =>
            {
                _error = $"The log of {pod} ended (the container stopped).";
                StateHasChanged();
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            await InvokeAsync(() =>
            {
                _error = $"Following the log of {pod} stopped: {Insights.Describe(e)}";
                StateHasChanged();
            });
        }
    }

    /// <summary>At most a few renders a second while lines stream in, and always one after the last line.</summary>
    private void ScheduleRender()
    {
        if (_renderScheduled)
        {
            return;
        }

        _renderScheduled = true;
        _ = RenderLaterAsync();
    }

    private async Task RenderLaterAsync()
    {
        try
        {
            await Task.Delay(RenderEvery, Time, _disposed.Token);
            await InvokeAsync(() =>
            {
                _renderScheduled = false;
                StateHasChanged();
            });
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _following?.Dispose();
        _disposed.Dispose();
    }
}
