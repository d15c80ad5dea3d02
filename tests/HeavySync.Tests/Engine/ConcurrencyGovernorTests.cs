using HeavySync.Engine;
using HeavySync.Tests.Time;

namespace HeavySync.Tests.Engine;

public sealed class ConcurrencyGovernorTests
{
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryEnter_UpToTheLimit_ThenRefuses()
    {
        var governor = new ConcurrencyGovernor(3, time);

        Assert.True(governor.TryEnter());
        Assert.True(governor.TryEnter());
        Assert.True(governor.TryEnter());
        Assert.False(governor.TryEnter());
        governor.Exit();
        Assert.True(governor.TryEnter());
    }

    [Fact]
    public void OnThrottled_HalvesOncePerCoolDown_AndRecoversOneStepAtATime()
    {
        var governor = new ConcurrencyGovernor(16, time);

        governor.OnThrottled();
        governor.OnThrottled(); // the same burst: ignored
        Assert.Equal(8, governor.Limit);

        time.Advance(ConcurrencyGovernor.CoolDown);
        governor.OnThrottled();
        Assert.Equal(4, governor.Limit);

        time.Advance(ConcurrencyGovernor.CoolDown);
        Assert.Equal(5, governor.Limit);
        time.Advance(ConcurrencyGovernor.CoolDown);
        Assert.Equal(6, governor.Limit);
    }

    [Fact]
    public void OnThrottled_NeverBelowOne_NeverAboveMaximum()
    {
        var governor = new ConcurrencyGovernor(2, time);
        for (var i = 0; i < 10; i++)
        {
            governor.OnThrottled();
            time.Advance(ConcurrencyGovernor.CoolDown);
        }

        Assert.True(governor.Limit >= 1);
        for (var i = 0; i < 10; i++)
        {
            time.Advance(ConcurrencyGovernor.CoolDown);
            _ = governor.Limit;
        }

        Assert.Equal(2, governor.Limit);
    }

    [Fact]
    public void RequestCounter_Throttle_ReachesTheGovernor()
    {
        var governor = new ConcurrencyGovernor(8, time);
        var counter = new RequestCounter { Governor = governor };

        counter.OnRequest("s3", "PUT");
        counter.OnRequest("s3", "PUT");
        counter.OnThrottled("s3");

        Assert.Equal(4, governor.Limit);
        Assert.Equal(1, counter.Throttled);
        Assert.Equal([("PUT", 2L)], counter.ByOperation());
    }
}
