using System.Net;
using System.Net.Sockets;

namespace Portal.Simulator;

/// <summary>
/// The 127.x.0.0/16 block one simulator hands out to its nodes (127.x.0.n) and pods (127.x.y.z, 1 ≤ y ≤ 254).
/// A block is held in two ways: a process-wide registry keeps simulators of one process apart, and a marker
/// socket listening on 127.x.255.254 keeps simulators of other processes apart (their marker bind fails).
/// </summary>
internal sealed class LoopbackRange : IDisposable
{
    private const int MarkerPort = 9399;
    private static readonly Lock RegistryLock = new();
    private static readonly HashSet<int> HeldInProcess = [];

    private readonly Lock _lock = new();
    // First in, first out: a released address goes to the back, so it is not reused while its old sockets close.
    private readonly Queue<int> _free = new(Enumerable.Range(256, 254 * 256 - 2).Where(i => i % 256 is not (0 or 255)));
    private readonly Socket _marker;

    private LoopbackRange(int octet, Socket marker)
    {
        Octet = octet;
        _marker = marker;
    }

    public int Octet { get; }

    /// <summary>Reserves a block: the given octet, or else a random one that no simulator here or in another process holds.</summary>
    public static LoopbackRange Reserve(int? octet, IReadOnlySet<int>? exclude = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var candidate = octet ?? Random.Shared.Next(2, 255);
            if (TryReserve(candidate, exclude) is { } range)
            {
                return range;
            }

            if (octet is not null || attempt > 500)
            {
                throw new InvalidOperationException($"no free 127.x loopback block (last tried 127.{candidate}.0.0/16)");
            }
        }
    }

    public IPAddress Node(int index) => new([127, (byte)Octet, 0, (byte)(index + 1)]);

    public IPAddress AllocatePod()
    {
        lock (_lock)
        {
            var next = _free.Dequeue();
            return new IPAddress([127, (byte)Octet, (byte)(next / 256), (byte)(next % 256)]);
        }
    }

    public void Release(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        lock (_lock)
        {
            _free.Enqueue(bytes[2] * 256 + bytes[3]);
        }
    }

    public void Dispose()
    {
        _marker.Dispose();
        lock (RegistryLock)
        {
            HeldInProcess.Remove(Octet);
        }
    }

    /// <summary>Whether an exception (or one it wraps) says an address is taken: Kestrel wraps EADDRINUSE in IOException.</summary>
    public static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } or Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the simulator holding a block listens to mark it: 127.x.255.254, port 9399.</summary>
    public static IPEndPoint MarkerEndPoint(int octet) => new(new IPAddress([127, (byte)octet, 255, 254]), MarkerPort);

    private static LoopbackRange? TryReserve(int octet, IReadOnlySet<int>? exclude)
    {
        if (exclude?.Contains(octet) == true)
        {
            return null;
        }

        lock (RegistryLock)
        {
            if (!HeldInProcess.Add(octet))
            {
                return null;
            }
        }

        // No SO_REUSEADDR: a second bind of the same marker, from any process, fails with EADDRINUSE.
        var marker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            marker.Bind(MarkerEndPoint(octet));
            marker.Listen(1);
            return new LoopbackRange(octet, marker);
        }
        catch (SocketException)
        {
            marker.Dispose();
            lock (RegistryLock)
            {
                HeldInProcess.Remove(octet);
            }

            return null;
        }
    }
}
