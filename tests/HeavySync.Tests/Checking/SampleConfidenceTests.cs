using HeavySync.Checking;

namespace HeavySync.Tests.Checking;

public sealed class SampleConfidenceTests
{
    [Theory]
    [InlineData(500, 0, "0 mismatches in 500 samples: mismatch rate below 0.60% with 95% confidence (≈3/N)")]
    [InlineData(1, 0, "0 mismatches in 1 sample: mismatch rate below 95.00% with 95% confidence (≈3/N)")]
    [InlineData(10, 0, "0 mismatches in 10 samples: mismatch rate below 25.89% with 95% confidence (≈3/N)")]
    [InlineData(100, 0, "0 mismatches in 100 samples: mismatch rate below 2.96% with 95% confidence (≈3/N)")]
    [InlineData(1_000_000, 0, "0 mismatches in 1000000 samples: mismatch rate below 0.00030% with 95% confidence (≈3/N)")]
    [InlineData(500, 3, "3 mismatches in 500 samples (0.60%): mismatch rate at most 1.50% with 95% confidence (Wilson score, one-sided)")]
    [InlineData(100, 1, "1 mismatch in 100 samples (1.00%): mismatch rate at most 4.36% with 95% confidence (Wilson score, one-sided)")]
    [InlineData(1000, 50, "50 mismatches in 1000 samples (5.00%): mismatch rate at most 6.27% with 95% confidence (Wilson score, one-sided)")]
    [InlineData(10, 10, "10 mismatches in 10 samples (100%): mismatch rate at most 100% with 95% confidence (Wilson score, one-sided)")]
    [InlineData(1_000_000, 1, "1 mismatch in 1000000 samples (0.00010%): mismatch rate at most 0.00045% with 95% confidence (Wilson score, one-sided)")]
    [InlineData(0, 0, "0 mismatches in 0 samples: nothing can be said about the mismatch rate")]
    public void Describe_Table(long samples, long mismatches, string expected)
    {
        Assert.Equal(expected, SampleConfidence.Describe(samples, mismatches));
    }

    [Theory]
    [InlineData(1, 0.95)]
    [InlineData(3, 0.631596850135961)]
    [InlineData(500, 0.005973551516349596)]
    [InlineData(1000, 0.0029912495450953314)]
    public void ZeroMismatchUpperBound_IsExactBinomialBound(long samples, double expected)
    {
        Assert.Equal(expected, SampleConfidence.ZeroMismatchUpperBound(samples), 12);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(10_000)]
    [InlineData(1_000_000)]
    public void ZeroMismatchUpperBound_LargeN_IsAboutThreeOverN(long samples)
    {
        // −ln(0.05) ≈ 2.996, hence the rule of three.
        var bound = SampleConfidence.ZeroMismatchUpperBound(samples);
        Assert.InRange(bound * samples, 2.95, 3.0);
    }

    [Theory]
    [InlineData(500, 3, 0.014917018768093453)]
    [InlineData(100, 1, 0.04358177353405608)]
    [InlineData(3, 1, 0.7464661317187759)]
    [InlineData(10, 10, 1.0)]
    public void WilsonUpperBound_MatchesFormula(long samples, long mismatches, double expected)
    {
        // Expected values from the Wilson score formula with z = 1.6449 (one-sided 95%), computed separately.
        Assert.Equal(expected, SampleConfidence.WilsonUpperBound(samples, mismatches), 12);
    }

    [Fact]
    public void UpperBound_AlwaysAtLeastObservedRate()
    {
        for (var mismatches = 0; mismatches <= 200; mismatches += 7)
        {
            Assert.True(SampleConfidence.UpperBound(200, mismatches) >= mismatches / 200.0);
        }
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(10, -1)]
    [InlineData(10, 11)]
    public void Describe_InvalidCounts_Throw(long samples, long mismatches)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SampleConfidence.Describe(samples, mismatches));
    }

    [Theory]
    [InlineData(0.006, true, "0.60%")]
    [InlineData(0.0059736, true, "0.60%")]
    [InlineData(0.0059736, false, "0.60%")]
    [InlineData(0.014917, true, "1.50%")]
    [InlineData(0.014917, false, "1.49%")]
    [InlineData(0.0, true, "0.00%")]
    [InlineData(1.0, true, "100%")]
    public void Percent_RoundsUpOnlyWhenAsked(double fraction, bool roundUp, string expected)
    {
        Assert.Equal(expected, SampleConfidence.Percent(fraction, roundUp));
    }
}
