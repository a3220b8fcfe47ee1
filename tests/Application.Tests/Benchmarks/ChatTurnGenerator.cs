using System.Text.Json;
using Portal.Application.Benchmarks;

namespace Portal.Application.Tests.Benchmarks;

/// <summary>
/// Makes the chat turns the portal ships (<c>src/Core/Application/Benchmarks/Data/chat-turns.jsonl</c>): short and long
/// questions of the kinds people ask a model, some with a system prompt and an earlier exchange, each with the length
/// of the reply it asks for. Deterministic; <c>UPDATE_CHAT_TURNS=1</c> rewrites the file.
/// </summary>
public static class ChatTurnGenerator
{
    private static readonly string[] Topics =
    [
        "Kubernetes pod scheduling", "a Python list comprehension", "the French Revolution", "photosynthesis", "a REST API design",
        "SQL joins", "the difference between TCP and UDP", "compound interest", "a sourdough starter", "unit testing",
        "GPU memory bandwidth", "the causes of inflation", "a job interview", "Rust ownership", "climate feedback loops",
        "a bash script that renames files", "vector databases", "the plot of Hamlet", "quantum entanglement", "a marathon training plan",
        "Git rebasing", "the immune system", "a cover letter", "load balancing", "the Pythagorean theorem",
    ];

    private static readonly (string Ask, int Reply)[] Asks =
    [
        ("Explain {0} in two sentences.", 60),
        ("What is {0}? Keep it short.", 40),
        ("Write a detailed explanation of {0}, with an example and the common mistakes people make.", 420),
        ("Give me a step-by-step guide to {0}.", 300),
        ("Summarise {0} for a ten-year-old.", 120),
        ("Compare two approaches to {0} and say when to use each.", 260),
        ("List five facts about {0}.", 150),
        ("I am confused about {0}. Can you walk me through it slowly, checking my understanding as you go?", 500),
    ];

    private static readonly string[] Systems =
    [
        "You are a helpful assistant.",
        "You are a patient teacher who explains with examples.",
        "You are a senior engineer. Answer precisely and mention trade-offs.",
    ];

    public static IReadOnlyList<ChatTurn> Generate(int count = 200)
    {
        var random = new Random(15);
        var turns = new List<ChatTurn>(count);
        for (var id = 1; id <= count; id++)
        {
            var topic = Topics[random.Next(Topics.Length)];
            var (ask, reply) = Asks[random.Next(Asks.Length)];
            var messages = new List<ChatMessage>();
            if (random.Next(3) > 0)
            {
                messages.Add(new ChatMessage("system", Systems[random.Next(Systems.Length)]));
            }

            if (random.Next(4) == 0)
            {
                var earlier = Topics[random.Next(Topics.Length)];
                messages.Add(new ChatMessage("user", string.Format(Asks[1].Ask, earlier)));
                messages.Add(new ChatMessage("assistant", $"In short, {earlier} is a topic with a few key ideas; the main one is how its parts fit together, and the details follow from that."));
            }

            messages.Add(new ChatMessage("user", string.Format(ask, topic)));
            var length = Math.Max(16, (int)Math.Round(reply * (0.7 + 0.6 * random.NextDouble())));
            turns.Add(new ChatTurn(id, messages, length));
        }

        return turns;
    }

    public static string Jsonl(IReadOnlyList<ChatTurn> turns) =>
        string.Concat(turns.Select(t => JsonSerializer.Serialize(t, Json) + "\n"));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
