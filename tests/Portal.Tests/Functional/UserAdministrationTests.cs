using Portal.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Security;
using Portal.Services;

namespace Portal.Tests.Functional;

public sealed class UserAdministrationTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    [Fact]
    public async Task The_last_admin_can_be_neither_demoted_nor_deleted()
    {
        await using var scope = portal.App.Services.CreateAsyncScope();
        var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
        var admin = (await users.ListAsync(CancellationToken.None)).Single(u => u.Role == PortalRoles.Admin);

        var demoted = await users.SetRoleAsync(admin.Id, PortalRoles.Viewer);
        var deleted = await users.DeleteAsync(admin.Id, currentUserId: "someone-else");

        Assert.False(demoted.Succeeded);
        Assert.Contains("last Admin", demoted.Errors.Single());
        Assert.False(deleted.Succeeded);
        Assert.Equal(PortalRoles.Admin, (await users.ListAsync(CancellationToken.None)).Single(u => u.Id == admin.Id).Role);
    }

    [Fact]
    public async Task A_weak_password_is_refused_with_identitys_reasons()
    {
        await using var scope = portal.App.Services.CreateAsyncScope();
        var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();

        var result = await users.CreateAsync("weak@portal.test", "short", PortalRoles.Viewer);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains("at least 8 characters"));
    }
}
