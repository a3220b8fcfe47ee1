using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Application.Security;
using Portal.Infrastructure.Persistence;
using Portal.Options;

namespace Portal.Auth;

/// <summary>Creates the roles and, when configured, the bootstrap admin. Idempotent: runs at every start.</summary>
public sealed partial class IdentitySeeder(
    RoleManager<IdentityRole> roles,
    UserManager<PortalUser> users,
    ApiKeyService keys,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<IdentitySeeder> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var role in PortalRoles.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await roles.RoleExistsAsync(role))
            {
                ThrowIfFailed(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        var admin = options.Value.BootstrapAdmin;
        if (admin.IsConfigured && await users.FindByEmailAsync(admin.Email!) is null)
        {
            await CreateUserAsync(admin.Email!, admin.Password!, PortalRoles.Admin);
            LogBootstrapAdminCreated(admin.Email!);
        }

        if (options.Value.BootstrapApiKey is { Length: > 0 } key)
        {
            var owner = admin.IsConfigured ? await users.FindByEmailAsync(admin.Email!) : null;
            owner ??= (await users.GetUsersInRoleAsync(PortalRoles.Admin)).OrderBy(u => u.CreatedAt).FirstOrDefault();
            if (owner is null)
            {
                LogBootstrapKeyWithoutAdmin();
                return;
            }

            await keys.EnsureKeyAsync(owner.Id, "bootstrap key (Auth:BootstrapApiKey)", key, cancellationToken);
        }
    }

    /// <summary>Creates a user with one role; returns Identity's errors (weak password, duplicate email) unchanged.</summary>
    public async Task<IdentityResult> CreateUserAsync(string email, string password, string role)
    {
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return created;
        }

        return await users.AddToRoleAsync(user, role);
    }

    private static void ThrowIfFailed(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:BootstrapApiKey is set but there is no Admin to own it yet; it will be created at the next start after setup")]
    private partial void LogBootstrapKeyWithoutAdmin();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created bootstrap admin {Email}")]
    private partial void LogBootstrapAdminCreated(string email);
}
