using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Playground;
using Portal.Services.Playground;

namespace Portal.Tests.Playground;

/// <summary>Model output is Markdown rendered safely: formatting and code blocks survive, script never does.</summary>
public sealed class MarkdownViewTests : BunitContext
{
    public MarkdownViewTests()
    {
        Services.AddSingleton<MarkdownRenderer>();
    }

    [Fact]
    public void Script_tags_and_event_handler_attributes_from_a_model_are_stripped()
    {
        const string reply = """
            Here is **bold** text and a list:

            - one
            - two

            <script>alert('from the model')</script>
            <img src="x.png" onerror="alert(1)">
            <a href="https://example.org" onclick="steal()">link</a>
            [click me](javascript:alert(document.cookie))

            ```python
            print("<script>not run</script>")
            ```
            """;

        var view = Render<MarkdownView>(p => p.Add(c => c.Text, reply));

        Assert.Empty(view.FindAll("script"));
        Assert.DoesNotContain(view.FindAll("*"), e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(view.FindAll("a"), a => (a.GetAttribute("href") ?? "").StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("bold", view.Find("strong").TextContent);
        Assert.Equal(2, view.FindAll("li").Count);
        var code = view.Find("pre code");
        Assert.Contains("print(\"<script>not run</script>\")", code.TextContent);
        Assert.Contains("language-python", code.ClassName);
    }

    [Fact]
    public void Raw_html_shows_as_text_not_as_markup()
    {
        var view = Render<MarkdownView>(p => p.Add(c => c.Text, "Press <b onmouseover=\"x()\">here</b> <iframe src=\"https://evil.example\"></iframe>"));

        Assert.Empty(view.FindAll("b"));
        Assert.Empty(view.FindAll("iframe"));
        Assert.Contains("<b onmouseover", view.Find(".markdown-body").TextContent);
    }
}
