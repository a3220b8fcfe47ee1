using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portal.Simulator.Api.Tables;
using Portal.Simulator.Kubelets;

namespace Portal.Simulator.Tests;

/// <summary>The small rules the simulator copies from Kubernetes, checked one by one.</summary>
public sealed class KubeletRulesTests
{
    [Fact]
    public void Crash_loop_back_off_restarts_at_once_then_waits_10s_doubling_to_five_minutes_and_resets_after_ten_quiet_minutes()
    {
        var backOff = new CrashLoopBackOff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300));
        var t = DateTimeOffset.UnixEpoch;
        var waits = new List<TimeSpan>();

        Assert.False(backOff.IsInBackOffSince(t, t));
        for (var crash = 0; crash < 8; crash++)
        {
            backOff.Next(t, t);
            waits.Add(backOff.Current);
            Assert.True(backOff.IsInBackOffSince(t, t + backOff.Current - TimeSpan.FromSeconds(1)));
            Assert.False(backOff.IsInBackOffSince(t, t + backOff.Current));
            t += backOff.Current;
        }

        backOff.Next(t + TimeSpan.FromSeconds(601), t + TimeSpan.FromSeconds(601));

        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], waits.Select(w => (int)w.TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(10), backOff.Current);
    }

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(80_000, "1m20s")]
    [InlineData(300_000, "5m0s")]
    [InlineData(200, "200ms")]
    [InlineData(1_500, "1.5s")]
    public void Back_off_messages_print_durations_as_Go_does(int milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(125, "2m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 120, "3h2m")]
    [InlineData(9 * 3600, "9h")]
    [InlineData(3 * 86400 + 3600, "3d1h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    public void Ages_read_like_kubectls(int seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task A_probe_that_gets_no_answer_within_its_timeout_fails()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var prober = new Prober();
        var spec = ProbeSpec.Of(new JsonObject { ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/health", ["port"] = port } } }, ProbeKind.Readiness)!;

        var result = await prober.ProbeAsync(IPAddress.Loopback, new JsonObject(), spec, TimeSpan.FromMilliseconds(100), null, Xunit.TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.Equal($"Get \"http://127.0.0.1:{port}/health\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", result.Output);
        Assert.Equal((10, 1, 1, 3), (spec.PeriodSeconds, spec.TimeoutSeconds, spec.SuccessThreshold, spec.FailureThreshold));
    }

    [Fact]
    public void Loopback_blocks_are_never_handed_out_twice_and_a_block_another_process_marked_is_skipped()
    {
        var ranges = Enumerable.Range(0, 40).Select(_ => LoopbackRange.Reserve(null)).ToList();
        // What another simulator process holds: its marker socket on 127.x.255.254, here on a block none of ours holds
        // (and no other test process on this machine either: the bind would fail).
        using var foreign = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var free = Enumerable.Range(2, 253).Where(o => ranges.All(r => r.Octet != o)).First(o => TryBind(foreign, o));
        foreign.Listen(1);
        try
        {
            Assert.Equal(ranges.Count, ranges.Select(r => r.Octet).Distinct().Count());
            Assert.Throws<InvalidOperationException>(() => LoopbackRange.Reserve(free));
            Assert.Throws<InvalidOperationException>(() => LoopbackRange.Reserve(ranges[0].Octet));
        }
        finally
        {
            ranges.ForEach(r => r.Dispose());
        }

        using var again = LoopbackRange.Reserve(ranges[0].Octet);
        Assert.Equal(ranges[0].Octet, again.Octet);
    }

    private static bool TryBind(Socket socket, int octet)
    {
        try
        {
            socket.Bind(LoopbackRange.MarkerEndPoint(octet));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
