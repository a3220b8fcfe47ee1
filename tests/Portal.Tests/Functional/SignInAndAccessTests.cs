using System.Net;
using System.Text.Json;
using Portal.TestSupport;

namespace Portal.Tests.Functional;

public sealed class SignInAndAccessTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Liveness_and_readiness_answer_without_sign_in_and_name_each_check()
    {
        using var client = PortalHttp.NewClient(portal.App.BaseAddress);

        var live = await client.GetAsync("/healthz", Ct);
        var ready = await client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct));
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("hangfire").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Metrics_endpoint_exposes_http_request_durations_from_aspnetcore_meter()
    {
        using var client = PortalHttp.NewClient(portal.App.BaseAddress);
        await client.GetAsync("/healthz", Ct);

        var metrics = await client.GetStringAsync("/metrics", Ct);

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", metrics);
        Assert.Contains("http_server_request_duration_seconds_bucket{", metrics);
    }

    [Theory]
    [InlineData("/deployments")]
    [InlineData("/dashboard")]
    [InlineData("/settings")]
    [InlineData("/jobs")]
    public async Task Anonymous_visitors_are_sent_to_sign_in(string path)
    {
        using var client = PortalHttp.NewClient(portal.App.BaseAddress);

        var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bootstrap_admin_signs_in_and_sees_the_empty_deployments_page()
    {
        using var client = await portal.SignedInClientAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        var page = await client.GetStringAsync("/deployments", Ct);

        Assert.Contains("No models deployed yet", page);
        Assert.Contains("POST /api/v1/deployments", page);
    }

    [Fact]
    public async Task Wrong_password_shows_an_error_and_keeps_the_email()
    {
        using var client = PortalHttp.NewClient(portal.App.BaseAddress);

        var response = await PortalHttp.SignInAsync(client, PortalAppFactory.AdminEmail, "not-the-password", Ct);
        var page = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("That email and password do not match an account.", page);
        Assert.Contains($"value=\"{PortalAppFactory.AdminEmail}\"", page);
    }

    [Fact]
    public async Task Viewer_is_refused_the_jobs_dashboard()
    {
        using var client = await portal.SignedInClientAsync(PortalFixture.ViewerEmail, PortalFixture.UserPassword);

        var response = await client.GetAsync("/jobs", Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_opens_the_jobs_dashboard()
    {
        using var client = await portal.SignedInClientAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        var response = await client.GetAsync("/jobs/recurring", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("prune-operations", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Viewer_sees_no_deploy_button()
    {
        using var viewer = await portal.SignedInClientAsync(PortalFixture.ViewerEmail, PortalFixture.UserPassword);
        using var op = await portal.SignedInClientAsync(PortalFixture.OperatorEmail, PortalFixture.UserPassword);

        var viewerPage = await viewer.GetStringAsync("/deployments", Ct);
        var operatorPage = await op.GetStringAsync("/deployments", Ct);

        Assert.DoesNotContain("href=\"deployments/new\"", viewerPage);
        Assert.Contains("href=\"deployments/new\"", operatorPage);
    }
}
