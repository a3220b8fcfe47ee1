using System.Text;
using Portal.Gateway;

namespace Portal.Tests.Gateway;

public sealed class EngineErrorsTests
{
    [Theory]
    [InlineData("""{"object":"error","message":"Please add `--is-embedding`","type":"BadRequestError","param":null,"code":400}""", 400, "Please add `--is-embedding`", "BadRequestError")]
    [InlineData("""{"detail":"Not Found"}""", 404, "Not Found", "invalid_request_error")]
    [InlineData("""{"error":"model 'x' not found"}""", 404, "model 'x' not found", "invalid_request_error")]
    [InlineData("""{"error":"server busy, please try again.  maximum pending requests exceeded"}""", 503, "server busy, please try again.  maximum pending requests exceeded", "server_error")]
    public void Engine_error_shapes_become_openais(string body, int status, string message, string type)
    {
        var shaped = EngineErrors.ToOpenAiShape(Encoding.UTF8.GetBytes(body), status)!;

        Assert.Equal(message, (string?)shaped["error"]!["message"]);
        Assert.Equal(type, (string?)shaped["error"]!["type"]);
        Assert.Equal(status, (int?)shaped["error"]!["code"]);
    }

    [Theory]
    [InlineData("""{"error":{"message":"already shaped","type":"invalid_request_error","param":null,"code":404}}""")]
    [InlineData("not json")]
    [InlineData("""{"unexpected":true}""")]
    public void Openai_shaped_or_unknown_bodies_pass_through(string body) =>
        Assert.Null(EngineErrors.ToOpenAiShape(Encoding.UTF8.GetBytes(body), 400));
}
