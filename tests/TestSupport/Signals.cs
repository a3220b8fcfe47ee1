using System.Runtime.InteropServices;

namespace Portal.TestSupport;

/// <summary>POSIX signals to a process by its id (.NET sends only SIGKILL itself).</summary>
public static partial class Signals
{
    public const int Interrupt = 2;
    public const int Kill = 9;
    public const int Terminate = 15;

    public static void Send(int pid, int signal)
    {
        if (Native(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Native(int pid, int signal);
}
