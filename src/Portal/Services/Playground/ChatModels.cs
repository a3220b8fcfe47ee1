using System.Text;

namespace Portal.Services.Playground;

/// <summary>Sampling settings the playground sends with every request.</summary>
public sealed record ChatSettings
{
    public string SystemPrompt { get; init; } = "";

    public double Temperature { get; init; } = 0.7;

    public double TopP { get; init; } = 1.0;

    public int MaxTokens { get; init; } = 512;
}

/// <summary>A deployment the playground can talk to, as the gateway routes it.</summary>
public sealed record ChatTarget(string Deployment, string Framework, string Model, int ReadyPods);

public enum TurnStatus
{
    Done,
    Streaming,
    Stopped,
    Failed,
}

/// <summary>Figures of one reply: what the user would otherwise time with a stopwatch.</summary>
public sealed record ReplyFigures(double? TimeToFirstTokenMs, double? TokensPerSecond, int? PromptTokens, int? CompletionTokens);

/// <summary>One message in a transcript. Assistant turns fill while they stream; readers take <see cref="Text"/> at any moment.</summary>
public sealed class ChatTurn
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public ChatTurn(string role, string text = "", TurnStatus status = TurnStatus.Done)
    {
        Role = role;
        _text.Append(text);
        Status = status;
    }

    public string Role { get; }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Characters so far (cheap: no copy of the text).</summary>
    public int Length
    {
        get
        {
            lock (_lock)
            {
                return _text.Length;
            }
        }
    }

    public TurnStatus Status { get; set; }

    public string? Error { get; set; }

    public string? FinishReason { get; set; }

    public ReplyFigures? Figures { get; set; }

    /// <summary>While the gateway holds the request for a model waking from zero: "waking model, about 12 s"; null otherwise.</summary>
    public string? Waiting { get; set; }

    public void Append(string text)
    {
        lock (_lock)
        {
            _text.Append(text);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _text.Clear();
        }

        Status = TurnStatus.Streaming;
        Error = null;
        FinishReason = null;
        Figures = null;
        Waiting = null;
    }
}
