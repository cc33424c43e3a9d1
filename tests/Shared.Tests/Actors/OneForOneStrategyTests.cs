using Cluster.Shared.Actors;

namespace Cluster.Shared.Tests.Actors;

public sealed class OneForOneStrategyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Restart_delays_double_from_the_minimum_up_to_the_maximum()
    {
        var strategy = new OneForOneStrategy(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        var statistics = new RestartStatistics();
        var delays = Enumerable.Range(0, 5)
            .Select(i => strategy.Decide(new IOException(), statistics, Start.AddSeconds(i)))
            .Select(d => (d.Directive, d.Delay.TotalMilliseconds))
            .ToList();
        Assert.Equal([(Directive.Restart, 100.0), (Directive.Restart, 200.0), (Directive.Restart, 400.0), (Directive.Restart, 500.0), (Directive.Restart, 500.0)], delays);
    }

    [Fact]
    public void More_restarts_than_allowed_within_the_window_stop_the_child()
    {
        var strategy = new OneForOneStrategy(2, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.Zero);
        var statistics = new RestartStatistics();
        Assert.Equal(Directive.Restart, strategy.Decide(new IOException(), statistics, Start).Directive);
        Assert.Equal(Directive.Restart, strategy.Decide(new IOException(), statistics, Start.AddSeconds(1)).Directive);
        Assert.Equal(Directive.Stop, strategy.Decide(new IOException(), statistics, Start.AddSeconds(2)).Directive);
    }

    [Fact]
    public void A_new_window_resets_the_count_and_the_backoff()
    {
        var strategy = new OneForOneStrategy(2, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1));
        var statistics = new RestartStatistics();
        strategy.Decide(new IOException(), statistics, Start);
        strategy.Decide(new IOException(), statistics, Start.AddSeconds(1));
        var later = strategy.Decide(new IOException(), statistics, Start.AddSeconds(30));
        Assert.Equal(new SupervisionDecision(Directive.Restart, TimeSpan.FromMilliseconds(50)), later);
    }

    [Fact]
    public void The_decider_chooses_the_directive_and_only_restarts_count()
    {
        var strategy = new OneForOneStrategy(1, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.Zero,
            e => e is ArgumentException ? Directive.Resume : Directive.Escalate);
        var statistics = new RestartStatistics();
        Assert.Equal(Directive.Resume, strategy.Decide(new ArgumentException(), statistics, Start).Directive);
        Assert.Equal(Directive.Escalate, strategy.Decide(new IOException(), statistics, Start).Directive);
        Assert.Equal(0, statistics.RestartsInWindow);
    }

    [Fact]
    public void The_default_decider_stops_actors_that_cannot_start()
    {
        Assert.Equal(Directive.Stop, OneForOneStrategy.DefaultDecider(new ActorInitializationException("x", new IOException())));
        Assert.Equal(Directive.Restart, OneForOneStrategy.DefaultDecider(new IOException()));
    }

    [Fact]
    public void Inconsistent_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneForOneStrategy(-1, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneForOneStrategy(1, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneForOneStrategy(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
    }
}
