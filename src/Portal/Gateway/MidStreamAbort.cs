using Microsoft.AspNetCore.Http.Features;

namespace Portal.Gateway;

/// <summary>
/// While YARP forwards, holds back the connection abort (or HTTP/2 reset) it performs when the engine fails after
/// the response began, so the gateway can end a stream with an error event instead; <see cref="AbortNow"/> does
/// what YARP asked when that is not possible. The request's cancellation token stays the real one.
/// </summary>
internal sealed class MidStreamAbort : IHttpRequestLifetimeFeature
{
    private readonly HttpContext _context;
    private readonly IHttpRequestLifetimeFeature? _lifetime;
    private readonly IHttpResetFeature? _reset;

    private MidStreamAbort(HttpContext context)
    {
        _context = context;
        _lifetime = context.Features.Get<IHttpRequestLifetimeFeature>();
        _reset = context.Features.Get<IHttpResetFeature>();
    }

    /// <summary>Whether YARP asked to abort (or reset) the client's request.</summary>
    public bool Requested { get; private set; }

    public CancellationToken RequestAborted
    {
        get => _lifetime?.RequestAborted ?? CancellationToken.None;
        set
        {
            if (_lifetime is not null)
            {
                _lifetime.RequestAborted = value;
            }
        }
    }

    public static MidStreamAbort Install(HttpContext context)
    {
        var hold = new MidStreamAbort(context);
        if (hold._lifetime is not null)
        {
            context.Features.Set<IHttpRequestLifetimeFeature>(hold);
            context.Features.Set<IHttpResetFeature>(null);
        }

        return hold;
    }

    public void Abort() => Requested = true;

    public void Uninstall()
    {
        if (_lifetime is not null)
        {
            _context.Features.Set(_lifetime);
            _context.Features.Set(_reset);
        }
    }

    /// <summary>The abort YARP asked for: an HTTP/2 reset where there is one, else the connection is cut.</summary>
    public void AbortNow()
    {
        const int InternalError = 8;
        if (_reset is not null)
        {
            _reset.Reset(InternalError);
        }
        else
        {
            _lifetime?.Abort();
        }
    }
}
