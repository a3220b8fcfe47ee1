using System.Text;
using System.Text.Json;

namespace Portal.Services.Playground;

/// <summary>The playground's current request as a program would send it to the gateway: curl, Python and C# with the OpenAI SDKs.</summary>
public static class CodeSnippets
{
    public static string Curl(string gatewayBaseUrl, string model, ChatSettings settings, IReadOnlyList<(string Role, string Content)> messages)
    {
        var json = Encoding.UTF8.GetString(PlaygroundChat.RequestJson(model, settings, messages, stream: false)).Replace("'", "'\\''", StringComparison.Ordinal);
        return $"curl {gatewayBaseUrl}/chat/completions \\\n  -H \"Authorization: Bearer $PORTAL_API_KEY\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{json}'";
    }

    public static string Python(string gatewayBaseUrl, string model, ChatSettings settings, IReadOnlyList<(string Role, string Content)> messages)
    {
        var lines = new StringBuilder();
        lines.AppendLine("import os");
        lines.AppendLine("from openai import OpenAI");
        lines.AppendLine();
        lines.AppendLine($"client = OpenAI(base_url={Quote(gatewayBaseUrl)}, api_key=os.environ[\"PORTAL_API_KEY\"])");
        lines.AppendLine("stream = client.chat.completions.create(");
        lines.AppendLine($"    model={Quote(model)},");
        lines.AppendLine("    messages=[");
        foreach (var (role, content) in WithSystem(settings, messages))
        {
            lines.AppendLine($"        {{\"role\": {Quote(role)}, \"content\": {Quote(content)}}},");
        }

        lines.AppendLine("    ],");
        lines.AppendLine(FormattableString.Invariant($"    temperature={settings.Temperature:0.##},"));
        lines.AppendLine(FormattableString.Invariant($"    top_p={settings.TopP:0.##},"));
        lines.AppendLine(FormattableString.Invariant($"    max_tokens={settings.MaxTokens},"));
        lines.AppendLine("    stream=True,");
        lines.AppendLine(")");
        lines.AppendLine("for chunk in stream:");
        lines.AppendLine("    if chunk.choices and chunk.choices[0].delta.content:");
        lines.Append("        print(chunk.choices[0].delta.content, end=\"\", flush=True)");
        return lines.ToString();
    }

    public static string CSharp(string gatewayBaseUrl, string model, ChatSettings settings, IReadOnlyList<(string Role, string Content)> messages)
    {
        var lines = new StringBuilder();
        lines.AppendLine("using System.ClientModel;");
        lines.AppendLine("using OpenAI;");
        lines.AppendLine("using OpenAI.Chat;");
        lines.AppendLine();
        lines.AppendLine($"var client = new ChatClient({Quote(model)}, new ApiKeyCredential(Environment.GetEnvironmentVariable(\"PORTAL_API_KEY\")!),");
        lines.AppendLine($"    new OpenAIClientOptions {{ Endpoint = new Uri({Quote(gatewayBaseUrl)}) }});");
        lines.AppendLine("List<ChatMessage> messages =");
        lines.AppendLine("[");
        foreach (var (role, content) in WithSystem(settings, messages))
        {
            var type = role switch { "system" => "SystemChatMessage", "assistant" => "AssistantChatMessage", _ => "UserChatMessage" };
            lines.AppendLine($"    new {type}({Quote(content)}),");
        }

        lines.AppendLine("];");
        lines.AppendLine(FormattableString.Invariant($"var options = new ChatCompletionOptions {{ Temperature = {settings.Temperature:0.##}f, TopP = {settings.TopP:0.##}f, MaxOutputTokenCount = {settings.MaxTokens} }};"));
        lines.AppendLine("await foreach (var update in client.CompleteChatStreamingAsync(messages, options))");
        lines.AppendLine("{");
        lines.AppendLine("    foreach (var part in update.ContentUpdate)");
        lines.AppendLine("    {");
        lines.AppendLine("        Console.Write(part.Text);");
        lines.AppendLine("    }");
        lines.Append('}');
        return lines.ToString();
    }

    private static IEnumerable<(string Role, string Content)> WithSystem(ChatSettings settings, IReadOnlyList<(string Role, string Content)> messages) =>
        string.IsNullOrWhiteSpace(settings.SystemPrompt) ? messages : [("system", settings.SystemPrompt), .. messages];

    /// <summary>A JSON string literal, which is valid in Python and (for these characters) in C#.</summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text);
}
