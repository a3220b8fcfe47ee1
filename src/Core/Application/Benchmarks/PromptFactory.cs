using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// How many prompt tokens the engine counts for a prompt of <c>w</c> words: <c>overhead + w × tokensPerWord</c>,
/// measured with two warm-up requests (the portal has no tokenizer of the model, so it asks the engine, as
/// <c>vllm bench serve</c> re-aligns its prompts with the server's <c>/tokenize</c>).
/// </summary>
public sealed record TokenCalibration(double TokensPerWord, double OverheadTokens)
{
    public static TokenCalibration OneTokenPerWord { get; } = new(1, 0);

    /// <summary>The two warm-up prompts' word counts.</summary>
    public const int ShortWords = 24;

    public const int LongWords = 88;

    /// <summary>The line through the two measurements (falling back to one token per word if they make no sense).</summary>
    public static TokenCalibration From(int shortTokens, int longTokens)
    {
        var slope = (longTokens - shortTokens) / (double)(LongWords - ShortWords);
        if (slope <= 0.05 || double.IsNaN(slope))
        {
            return OneTokenPerWord;
        }

        return new TokenCalibration(slope, Math.Max(0, shortTokens - ShortWords * slope));
    }

    public int WordsFor(int tokens) => Math.Max(1, (int)Math.Round((tokens - OverheadTokens) / TokensPerWord));
}

/// <summary>One request a run sends: its messages and reply length.</summary>
public sealed record PromptRequest(IReadOnlyList<ChatMessage> Messages, int MaxTokens);

/// <summary>
/// The prompts of a run, deterministic per (seed, request): synthetic prompts of random words sized to the requested
/// token lengths (fixed, uniform or normal), optionally behind a shared prefix, or the shipped chat turns in turn.
/// </summary>
public sealed class PromptFactory
{
    private static readonly string[] Vocabulary =
    [
        "river", "cloud", "engine", "garden", "signal", "window", "market", "planet", "copper", "forest", "lantern", "harbor",
        "meadow", "puzzle", "rocket", "silver", "thunder", "valley", "winter", "anchor", "bridge", "canyon", "desert", "ember",
        "falcon", "glacier", "horizon", "island", "jungle", "kettle", "ladder", "mirror", "needle", "orchard", "pepper", "quartz",
        "rubber", "saddle", "tunnel", "umbrella", "velvet", "walnut", "yellow", "zephyr", "across", "beneath", "during", "toward",
        "quickly", "slowly", "bright", "gentle", "hollow", "narrow", "patient", "steady", "curious", "distant", "eager", "honest",
    ];

    private readonly WorkloadSpec _workload;
    private readonly TokenCalibration _calibration;
    private readonly string _prefix;

    public PromptFactory(WorkloadSpec workload, TokenCalibration calibration)
    {
        _workload = workload;
        _calibration = calibration;
        _prefix = workload.SharedPrefixTokens > 0
            ? Words(new Random(workload.Seed ^ 0x5eed), Math.Max(1, (int)Math.Round(workload.SharedPrefixTokens / calibration.TokensPerWord))) + "\n"
            : "";
    }

    /// <summary>A warm-up prompt of exactly <paramref name="words"/> words (for calibration).</summary>
    public static PromptRequest WarmUp(int words, int seed) => new([new ChatMessage("user", Words(new Random(seed), words))], 1);

    public PromptRequest Create(int stepSeed, int index)
    {
        var random = new Random(HashCode.Combine(_workload.Seed, stepSeed, index));
        if (_workload.Dataset == WorkloadDataset.Chat)
        {
            var all = ChatTurns.All;
            var turn = all[(int)((uint)HashCode.Combine(_workload.Seed, stepSeed, index) % all.Count)];
            var messages = _prefix.Length == 0
                ? turn.Messages
                : [new ChatMessage("system", _prefix), .. turn.Messages];
            return new PromptRequest(messages, turn.ReplyTokens);
        }

        var promptTokens = Draw(random, _workload.PromptTokens);
        var body = Words(random, _calibration.WordsFor(Math.Max(1, promptTokens - _workload.SharedPrefixTokens)));
        return new PromptRequest([new ChatMessage("user", _prefix + body)], Draw(random, _workload.OutputTokens));
    }

    /// <summary>A length around <paramref name="mean"/> as the workload's distribution says (at least 1).</summary>
    private int Draw(Random random, int mean) => _workload.Distribution switch
    {
        LengthDistribution.Uniform => Math.Max(1, (int)Math.Round(mean * (1 - _workload.Spread + 2 * _workload.Spread * random.NextDouble()))),
        LengthDistribution.Normal => Math.Max(1, (int)Math.Round(mean + mean * _workload.Spread * Gaussian(random))),
        _ => mean,
    };

    private static double Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static string Words(Random random, int count)
    {
        var words = new string[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = Vocabulary[random.Next(Vocabulary.Length)];
        }

        return string.Join(' ', words);
    }
}
