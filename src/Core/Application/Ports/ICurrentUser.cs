namespace Portal.Application.Ports;

/// <summary>
/// Who is asking, for the command that is running: a signed-in person, an API key acting for its owner, or
/// nobody. The web layer fills it from the request or the Blazor circuit; the application never sees HTTP.
/// </summary>
public interface ICurrentUser
{
    bool IsAuthenticated { get; }

    /// <summary>Admin or Operator: may deploy, scale, stop, start and delete.</summary>
    bool CanOperate { get; }

    bool IsAdmin { get; }

    /// <summary>Who asked, as the audit log records it: the user, and the API key when it came through one.</summary>
    string Requester { get; }
}
