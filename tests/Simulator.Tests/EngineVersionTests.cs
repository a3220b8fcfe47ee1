using Portal.Simulator.Engines;

namespace Portal.Simulator.Tests;

public sealed class EngineVersionTests
{
    [Theory]
    [InlineData("vllm/vllm-openai:v0.10.1", "0.10.1")]
    [InlineData("lmsysorg/sglang:v0.4.10.post2", "0.4.10.post2")]
    [InlineData("lmsysorg/sglang:v0.5.19-cu129", "0.5.19")]
    [InlineData("ollama/ollama:0.12.3", "0.12.3")]
    [InlineData("registry.example.com:5000/vllm/vllm-openai:v0.33.0", "0.33.0")]
    public void An_image_tag_names_the_release_the_engine_answers_as(string image, string expected)
    {
        Assert.Equal(expected, EngineVersion.OfImage(EngineLaunch.FrameworkOf(image), image).ToString());
    }

    [Theory]
    [InlineData("vllm/vllm-openai:latest", "0.33.0")]
    [InlineData("vllm/vllm-openai", "0.33.0")]
    [InlineData("lmsysorg/sglang:latest-runtime", "0.5.23")]
    [InlineData("ollama/ollama:rocm", "0.32.15")]
    [InlineData("ollama/ollama@sha256:0123456789abcdef", "0.32.15")]
    public void Latest_an_unknown_tag_or_a_digest_runs_the_current_release(string image, string expected)
    {
        Assert.Equal(expected, EngineVersion.OfImage(EngineLaunch.FrameworkOf(image), image).ToString());
    }

    [Fact]
    public void Post_releases_order_after_their_release()
    {
        Assert.True(EngineVersion.Parse("v0.4.10.post2").AtLeast("0.4.10"));
        Assert.True(EngineVersion.Parse("v0.4.10.post2").Below("0.4.11"));
        Assert.True(EngineVersion.Parse("0.10.2").AtLeast("0.10.1"));
    }
}
