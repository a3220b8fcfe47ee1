using Microsoft.Extensions.DependencyInjection;
using Portal.Services;
using Portal.TestSupport;

namespace Portal.Tests.Functional;

/// <summary>One running portal shared by the tests of a class, with a Viewer and an Operator besides the bootstrap admin.</summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string ViewerEmail = "viewer@portal.test";
    public const string OperatorEmail = "operator@portal.test";
    public const string UserPassword = "User-pass-1";

    public PortalAppFactory App { get; } = new(PortalAppFactory.NewDatabasePath());

    public async ValueTask InitializeAsync()
    {
        App.Start();
        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
        await users.CreateAsync(ViewerEmail, UserPassword, "Viewer");
        await users.CreateAsync(OperatorEmail, UserPassword, "Operator");
    }

    public async Task<HttpClient> SignedInClientAsync(string email, string password)
    {
        var client = PortalHttp.NewClient(App.BaseAddress);
        var response = await PortalHttp.SignInAsync(client, email, password, CancellationToken.None);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
