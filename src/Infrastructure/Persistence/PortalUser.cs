using Microsoft.AspNetCore.Identity;

namespace Portal.Infrastructure.Persistence;

public sealed class PortalUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }
}
