using HeavySync.Checking;

namespace HeavySync.Tests.Checking;

public sealed class ReservoirSamplerTests
{
    [Fact]
    public void Offer_ManyTrials_EveryItemEquallyLikely()
    {
        // 20,000 trials of sampling 10 from 100: each item should be kept 2,000 times. The
        // chi-square statistic over the 100 items has about 99 degrees of freedom (slightly fewer
        // in effect, as the total is fixed); 148.2 is its 99.9th percentile. Seeded, so repeatable.
        const int trials = 20_000;
        const int population = 100;
        const int sampleSize = 10;
        var random = new Random(20_000);
        var counts = new int[population];
        for (var trial = 0; trial < trials; trial++)
        {
            var sampler = new ReservoirSampler<int>(sampleSize, random);
            for (var item = 0; item < population; item++)
            {
                sampler.Offer(item);
            }

            Assert.Equal(sampleSize, sampler.Sample.Count);
            Assert.Equal(sampleSize, sampler.Sample.Distinct().Count());
            foreach (var item in sampler.Sample)
            {
                counts[item]++;
            }
        }

        const double expected = (double)trials * sampleSize / population;
        var chiSquare = counts.Sum(count => (count - expected) * (count - expected) / expected);
        Assert.True(chiSquare < 148.2, $"chi-square {chiSquare:F1} over 99 degrees of freedom");
    }

    [Theory]
    [InlineData(10, 0, 0)]
    [InlineData(10, 3, 3)]
    [InlineData(10, 10, 10)]
    [InlineData(10, 1000, 10)]
    [InlineData(0, 5, 0)]
    public void Sample_Size_IsMinOfCapacityAndSeen(int capacity, int offered, int expectedCount)
    {
        var sampler = new ReservoirSampler<int>(capacity, new Random(1));
        for (var i = 0; i < offered; i++)
        {
            sampler.Offer(i);
        }

        Assert.Equal(expectedCount, sampler.Sample.Count);
        Assert.Equal(offered, sampler.Seen);
        Assert.All(sampler.Sample, item => Assert.InRange(item, 0, offered - 1));
    }

    [Fact]
    public void Sample_FewerThanCapacity_KeepsAllInOrder()
    {
        var sampler = new ReservoirSampler<string>(5, new Random(1));
        sampler.Offer("a");
        sampler.Offer("b");
        Assert.Equal(["a", "b"], sampler.Sample);
    }

    [Fact]
    public void Offer_SameSeed_SameSample()
    {
        static IReadOnlyList<int> Run()
        {
            var sampler = new ReservoirSampler<int>(7, new Random(99));
            for (var i = 0; i < 10_000; i++)
            {
                sampler.Offer(i);
            }

            return sampler.Sample.ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public async Task SampleAsync_Stream_ReturnsSampleOfRequestedSize()
    {
        var sample = await ReservoirSampler<int>.SampleAsync(Numbers(1000), 25, new Random(5), CancellationToken.None);
        Assert.Equal(25, sample.Count);
        Assert.Equal(25, sample.Distinct().Count());
        Assert.All(sample, item => Assert.InRange(item, 0, 999));
    }

    [Fact]
    public async Task SampleAsync_Cancelled_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => ReservoirSampler<int>.SampleAsync(Numbers(1000), 25, new Random(5), cancellation.Token));
    }

    [Fact]
    public void Constructor_NegativeCapacity_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReservoirSampler<int>(-1, new Random(1)));
    }

    private static async IAsyncEnumerable<int> Numbers(
        int count,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return i;
        }
    }
}
