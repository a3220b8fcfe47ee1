using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Application.Ports;
using Portal.Application.Security;
using Portal.Auth;
using Portal.Infrastructure.Persistence;

namespace Portal.Services;

public sealed record UserRow(string Id, string Email, string Role, DateTimeOffset CreatedAt);

/// <summary>The result of a user change: either done, or the reasons it was refused, for the form to show.</summary>
public sealed record UserChangeResult(bool Succeeded, IReadOnlyList<string> Errors)
{
    public static readonly UserChangeResult Ok = new(true, []);

    public static UserChangeResult Refused(params string[] errors) => new(false, errors);

    public static UserChangeResult From(IdentityResult result) =>
        result.Succeeded ? Ok : new(false, result.Errors.Select(e => e.Description).ToList());
}

/// <summary>
/// What Admins do with users on the Settings page: only Admins (checked here, not only by the page), never the last
/// admin removed. A deleted user's API keys, and a changed role, apply from the next request on.
/// </summary>
public sealed class UserAdministration(UserManager<PortalUser> users, IdentitySeeder seeder, ApiKeyService keys, ICurrentUser caller)
{
    private static readonly UserChangeResult NotAnAdmin = UserChangeResult.Refused("Only Admins manage users.");

    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var rows = new List<UserRow>(all.Count);
        foreach (var user in all)
        {
            var role = (await users.GetRolesAsync(user)).FirstOrDefault() ?? PortalRoles.Viewer;
            rows.Add(new UserRow(user.Id, user.Email ?? user.UserName ?? user.Id, role, user.CreatedAt));
        }

        return rows;
    }

    public async Task<UserChangeResult> CreateAsync(string email, string password, string role)
    {
        if (!caller.IsAdmin)
        {
            return NotAnAdmin;
        }

        if (!PortalRoles.All.Contains(role))
        {
            return UserChangeResult.Refused($"Unknown role '{role}'.");
        }

        return UserChangeResult.From(await seeder.CreateUserAsync(email.Trim(), password, role));
    }

    public async Task<UserChangeResult> SetRoleAsync(string userId, string role)
    {
        if (!caller.IsAdmin)
        {
            return NotAnAdmin;
        }

        if (!PortalRoles.All.Contains(role))
        {
            return UserChangeResult.Refused($"Unknown role '{role}'.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return UserChangeResult.Refused("That user no longer exists.");
        }

        var current = await users.GetRolesAsync(user);
        if (current.Contains(PortalRoles.Admin) && role != PortalRoles.Admin && await IsLastAdminAsync())
        {
            return UserChangeResult.Refused("This is the last Admin; make another user Admin first.");
        }

        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
        {
            return UserChangeResult.From(removed);
        }

        var added = await users.AddToRoleAsync(user, role);
        if (added.Succeeded)
        {
            // Ends the user's other sessions at their next revalidation, so the new role applies; keys act with it at once.
            await users.UpdateSecurityStampAsync(user);
            keys.ForgetUser(user.Id);
        }

        return UserChangeResult.From(added);
    }

    public async Task<UserChangeResult> DeleteAsync(string userId, string currentUserId)
    {
        if (!caller.IsAdmin)
        {
            return NotAnAdmin;
        }

        if (userId == currentUserId)
        {
            return UserChangeResult.Refused("You cannot delete your own account.");
        }

        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return UserChangeResult.Ok;
        }

        if (await users.IsInRoleAsync(user, PortalRoles.Admin) && await IsLastAdminAsync())
        {
            return UserChangeResult.Refused("This is the last Admin and cannot be deleted.");
        }

        var deleted = await users.DeleteAsync(user);
        if (deleted.Succeeded)
        {
            keys.ForgetUser(user.Id); // its keys went with it (cascade); no cached answer may outlive them
        }

        return UserChangeResult.From(deleted);
    }

    private async Task<bool> IsLastAdminAsync() => (await users.GetUsersInRoleAsync(PortalRoles.Admin)).Count <= 1;
}
