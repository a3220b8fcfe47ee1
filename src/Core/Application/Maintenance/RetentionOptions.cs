using System.ComponentModel.DataAnnotations;

namespace Portal.Application.Maintenance;

/// <summary>Configuration section <c>Retention</c>: how long the audit log keeps finished operations.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    [Range(1, 3650)]
    public int OperationDays { get; set; } = 90;
}
