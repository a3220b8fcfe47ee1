namespace Portal.Domain.Engines;

/// <summary>A container's command and args: an argv list, never a shell string.</summary>
public sealed record EngineCommand(IReadOnlyList<string> Command, IReadOnlyList<string> Args);
