using System.Net;

namespace Portal.Simulator;

/// <summary>
/// The 127.x.0.0/16 block one simulator hands out to its nodes (127.x.0.n) and pods (127.x.y.z, y ≥ 1).
/// Each simulator picks its own x, so simulators in several test processes never share an address.
/// </summary>
internal sealed class LoopbackRange(int octet)
{
    private readonly Lock _lock = new();
    // First in, first out: a released address goes to the back, so it is not reused while its old sockets close.
    private readonly Queue<int> _free = new(Enumerable.Range(256, 254 * 256 - 2).Where(i => i % 256 is not (0 or 255)));

    public int Octet { get; } = octet;

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

    public static int RandomOctet() => Random.Shared.Next(2, 255);
}
