using Cluster.Shared.Remoting;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Shared.Tests.Remoting;

public sealed class PhiAccrualFailureDetectorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static PhiAccrualFailureDetector Detector(FakeTimeProvider clock, TimeSpan? pause = null) =>
        new(clock, threshold: 8, firstHeartbeatEstimate: Interval, acceptableHeartbeatPause: pause ?? TimeSpan.Zero,
            minimumStandardDeviation: TimeSpan.FromMilliseconds(10), maximumSamples: 20);

    private static void Beat(PhiAccrualFailureDetector detector, FakeTimeProvider clock, int count)
    {
        for (var i = 0; i < count; i++)
        {
            clock.Advance(Interval);
            detector.HeartBeat();
        }
    }

    [Fact]
    public void Phi_is_zero_before_the_first_heartbeat()
    {
        var clock = new FakeTimeProvider();
        var detector = Detector(clock);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, detector.Phi);
        Assert.True(detector.IsAvailable);
    }

    [Fact]
    public void Regular_heartbeats_keep_the_peer_available()
    {
        var clock = new FakeTimeProvider();
        var detector = Detector(clock);
        detector.HeartBeat();
        Beat(detector, clock, 50);
        clock.Advance(Interval);
        Assert.True(detector.Phi < 1, $"phi {detector.Phi}");
        Assert.True(detector.IsAvailable);
    }

    [Fact]
    public void Phi_grows_with_silence_and_crosses_the_threshold()
    {
        var clock = new FakeTimeProvider();
        var detector = Detector(clock);
        detector.HeartBeat();
        Beat(detector, clock, 20);
        clock.Advance(TimeSpan.FromMilliseconds(80));
        var previous = detector.Phi;
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            Assert.True(detector.Phi > previous, $"phi did not grow: {detector.Phi} after {previous}");
            previous = detector.Phi;
        }
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(detector.IsAvailable, $"phi {detector.Phi} after 630 ms of silence");
    }

    [Fact]
    public void An_acceptable_pause_delays_suspicion()
    {
        var clock = new FakeTimeProvider();
        var strict = Detector(clock);
        var tolerant = Detector(clock, TimeSpan.FromSeconds(1));
        strict.HeartBeat();
        tolerant.HeartBeat();
        for (var i = 0; i < 20; i++)
        {
            clock.Advance(Interval);
            strict.HeartBeat();
            tolerant.HeartBeat();
        }
        clock.Advance(TimeSpan.FromMilliseconds(800));
        Assert.False(strict.IsAvailable);
        Assert.True(tolerant.IsAvailable, $"phi {tolerant.Phi}");
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(tolerant.IsAvailable);
    }

    [Fact]
    public void The_sample_window_is_bounded()
    {
        var clock = new FakeTimeProvider();
        var detector = Detector(clock);
        detector.HeartBeat();
        Beat(detector, clock, 100);
        Assert.Equal(20, detector.SampleCount);
    }

    [Fact]
    public void Invalid_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PhiAccrualFailureDetector(new FakeTimeProvider(), 0, Interval, TimeSpan.Zero, TimeSpan.FromMilliseconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PhiAccrualFailureDetector(new FakeTimeProvider(), 8, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(1)));
    }
}
