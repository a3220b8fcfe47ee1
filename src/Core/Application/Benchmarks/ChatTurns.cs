using System.Text.Json;

namespace Portal.Application.Benchmarks;

/// <summary>One message of a chat turn.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>A conversation up to the user's last message, and how long the reply to it runs (tokens).</summary>
public sealed record ChatTurn(int Id, IReadOnlyList<ChatMessage> Messages, int ReplyTokens);

/// <summary>
/// The chat turns the portal ships (<c>Benchmarks/Data/chat-turns.jsonl</c>, an embedded resource made by
/// <c>tests/Application.Tests/Benchmarks/ChatTurnGenerator.cs</c>): nothing is downloaded when a run starts.
/// </summary>
public static class ChatTurns
{
    private static readonly Lazy<IReadOnlyList<ChatTurn>> Loaded = new(Load);

    public const string ResourceName = "Portal.Application.Benchmarks.chat-turns.jsonl";

    public static IReadOnlyList<ChatTurn> All => Loaded.Value;

    private static IReadOnlyList<ChatTurn> Load()
    {
        using var stream = typeof(ChatTurns).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        var turns = new List<ChatTurn>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                turns.Add(JsonSerializer.Deserialize<ChatTurn>(line, Json)!);
            }
        }

        return turns;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
