using System.ComponentModel.DataAnnotations;

namespace Portal.Options;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The admin created at first start; without it the first visit offers the setup page.</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>An Admin API key created at start-up, for automation and tests (at least 24 characters).</summary>
    [MinLength(24)]
    public string? BootstrapApiKey { get; set; }
}

public sealed class BootstrapAdminOptions
{
    [EmailAddress]
    public string? Email { get; set; }

    public string? Password { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Email) && !string.IsNullOrWhiteSpace(Password);
}
