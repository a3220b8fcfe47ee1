using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Services.Playground;

/// <summary>One deployment's side of the conversation (one column in compare mode).</summary>
public sealed class ChatColumn(ChatTarget target)
{
    public ChatTarget Target { get; } = target;

    public List<ChatTurn> Turns { get; } = [];

    public bool IsStreaming => Turns.Count > 0 && Turns[^1].Status == TurnStatus.Streaming;
}

/// <summary>
/// The playground's state and actions, without any UI: send a prompt to one deployment or to two or
/// three side by side, stop, regenerate, clear, export. The page renders it; tests drive it directly.
/// </summary>
public sealed class PlaygroundSession(PlaygroundChat chat)
{
    public const int MaxCompared = 3;

    private CancellationTokenSource? _generation;
    private int _version;

    public List<ChatColumn> Columns { get; } = [];

    public ChatSettings Settings { get; set; } = new();

    public bool IsStreaming => Columns.Any(c => c.IsStreaming);

    /// <summary>Increases whenever something visible changes; the page re-renders when it moved (at most every 50 ms).</summary>
    public int Version => Volatile.Read(ref _version);

    public bool HasTurns => Columns.Any(c => c.Turns.Count > 0);

    /// <summary>Sets the deployments to talk to (one, or up to three to compare); a column kept keeps its transcript.</summary>
    public void SetTargets(IReadOnlyList<ChatTarget> targets)
    {
        var kept = Columns.Where(c => targets.Any(t => t.Deployment == c.Target.Deployment)).ToDictionary(c => c.Target.Deployment);
        Columns.Clear();
        foreach (var target in targets.Take(MaxCompared))
        {
            Columns.Add(kept.TryGetValue(target.Deployment, out var column) && column.Target == target ? column : CopyInto(new ChatColumn(target), kept.GetValueOrDefault(target.Deployment)));
        }

        Touch();
    }

    /// <summary>Sends <paramref name="prompt"/> to every column at once and streams the replies in parallel.</summary>
    public Task SendAsync(ClaimsPrincipal user, string prompt, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prompt) || Columns.Count == 0 || IsStreaming)
        {
            return Task.CompletedTask;
        }

        foreach (var column in Columns)
        {
            column.Turns.Add(new ChatTurn("user", prompt.Trim()));
        }

        return GenerateAsync(user, cancellationToken);
    }

    /// <summary>Asks again for the last reply of every column.</summary>
    public Task RegenerateAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (IsStreaming || !Columns.Any(c => c.Turns.Count > 0))
        {
            return Task.CompletedTask;
        }

        foreach (var column in Columns.Where(c => c.Turns.Count > 0 && c.Turns[^1].Role == "assistant"))
        {
            column.Turns.RemoveAt(column.Turns.Count - 1);
        }

        return GenerateAsync(user, cancellationToken);
    }

    public void Stop() => _generation?.Cancel();

    public void Clear()
    {
        Stop();
        foreach (var column in Columns)
        {
            column.Turns.Clear();
        }

        Touch();
    }

    public void Touch() => Interlocked.Increment(ref _version);

    /// <summary>The conversation as JSON: settings, and per deployment every message with its figures.</summary>
    public string ExportJson(DateTimeOffset at) => JsonSerializer.Serialize(new ConversationExport(
        at,
        Settings,
        Columns.Select(c => new ColumnExport(c.Target.Deployment, c.Target.Framework, c.Target.Model,
            c.Turns.Select(t => new TurnExport(t.Role, t.Text, t.Status == TurnStatus.Done ? null : t.Status.ToString().ToLowerInvariant(), t.Error, t.FinishReason, t.Figures)).ToList())).ToList()),
        ExportJsonOptions);

    /// <summary>Restores columns saved with <see cref="ExportJson"/> (the per-tab copy), for deployments still offered.</summary>
    public bool Import(string json, IReadOnlyList<ChatTarget> available)
    {
        var saved = JsonSerializer.Deserialize<ConversationExport>(json, ExportJsonOptions);
        if (saved is null)
        {
            return false;
        }

        Settings = saved.Settings;
        Columns.Clear();
        foreach (var column in saved.Deployments)
        {
            if (available.FirstOrDefault(t => t.Deployment == column.Deployment) is { } target && Columns.Count < MaxCompared)
            {
                var restored = new ChatColumn(target);
                restored.Turns.AddRange(column.Messages.Select(m => new ChatTurn(m.Role, m.Content, m.Status == "stopped" ? TurnStatus.Stopped : TurnStatus.Done)
                {
                    Figures = m.Figures,
                    FinishReason = m.FinishReason,
                    Error = m.Error,
                }));
                Columns.Add(restored);
            }
        }

        Touch();
        return Columns.Count > 0;
    }

    private async Task GenerateAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        _generation?.Dispose();
        _generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = _generation.Token;
        var work = new List<Task>();
        foreach (var column in Columns)
        {
            var history = column.Turns.ToList();
            var reply = new ChatTurn("assistant", status: TurnStatus.Streaming);
            column.Turns.Add(reply);
            work.Add(Task.Run(() => chat.StreamAsync(user, column.Target, Settings, history, reply, token), CancellationToken.None));
        }

        Touch();
        await Task.WhenAll(work);
        Touch();
    }

    private static ChatColumn CopyInto(ChatColumn fresh, ChatColumn? old)
    {
        if (old is not null)
        {
            fresh.Turns.AddRange(old.Turns);
        }

        return fresh;
    }

    private static readonly JsonSerializerOptions ExportJsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record ConversationExport(DateTimeOffset ExportedAt, ChatSettings Settings, List<ColumnExport> Deployments);

    private sealed record ColumnExport(string Deployment, string Framework, string Model, List<TurnExport> Messages);

    private sealed record TurnExport(string Role, string Content, string? Status, string? Error, string? FinishReason, ReplyFigures? Figures);
}
