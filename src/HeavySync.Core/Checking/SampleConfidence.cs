using System.Globalization;

namespace HeavySync.Checking;

/// <summary>
/// What a sampled verification says about the whole: from N samples with M mismatches, an upper
/// bound on the mismatch rate at 95% confidence, stated in one line for the run report.
/// </summary>
/// <remarks>
/// With no mismatches the bound is exact (binomial, one-sided): 1 − 0.05^(1/N), about 3/N — the
/// "rule of three". With mismatches it is the upper end of the one-sided 95% Wilson score interval,
/// which, unlike the plain normal approximation, stays sensible for rates near zero and small N.
/// Both bounds are one-sided because the question a report answers is "how bad could it be".
/// </remarks>
public static class SampleConfidence
{
    /// <summary>The confidence level of every bound here.</summary>
    public const double ConfidenceLevel = 0.95;

    /// <summary>The standard normal quantile for one-sided 95%: Φ⁻¹(0.95).</summary>
    internal const double OneSidedZ = 1.6448536269514722;

    /// <summary>The exact one-sided 95% upper bound on the rate when none of <paramref name="samples"/> mismatched.</summary>
    public static double ZeroMismatchUpperBound(long samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        return 1 - Math.Pow(1 - ConfidenceLevel, 1.0 / samples);
    }

    /// <summary>The upper end of the one-sided 95% Wilson score interval for the mismatch rate.</summary>
    public static double WilsonUpperBound(long samples, long mismatches)
    {
        Validate(samples, mismatches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        double n = samples;
        var p = mismatches / n;
        var z2 = OneSidedZ * OneSidedZ;
        var centre = p + (z2 / (2 * n));
        var margin = OneSidedZ * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return Math.Min(1, (centre + margin) / (1 + (z2 / n)));
    }

    /// <summary>The 95% upper bound this class reports: exact for no mismatches, else Wilson.</summary>
    public static double UpperBound(long samples, long mismatches) =>
        mismatches == 0 ? ZeroMismatchUpperBound(samples) : WilsonUpperBound(samples, mismatches);

    /// <summary>
    /// One line for the run report, e.g. "0 mismatches in 500 samples: mismatch rate below 0.60%
    /// with 95% confidence (≈3/N)". Bounds are rounded up, so the stated bound is never tighter
    /// than the computed one.
    /// </summary>
    public static string Describe(long samples, long mismatches)
    {
        Validate(samples, mismatches);
        var counts = $"{Count(mismatches, "mismatch", "mismatches")} in {Count(samples, "sample", "samples")}";
        if (samples == 0)
        {
            return $"{counts}: nothing can be said about the mismatch rate";
        }

        if (mismatches == 0)
        {
            return $"{counts}: mismatch rate below {Percent(ZeroMismatchUpperBound(samples), roundUp: true)} with 95% confidence (≈3/N)";
        }

        var observed = Percent((double)mismatches / samples, roundUp: false);
        var bound = Percent(WilsonUpperBound(samples, mismatches), roundUp: true);
        return $"{counts} ({observed}): mismatch rate at most {bound} with 95% confidence (Wilson score, one-sided)";
    }

    /// <summary>
    /// A percentage with two decimals, or two significant digits when below 1%, so that a bound
    /// from millions of samples does not print as 0.00%.
    /// </summary>
    internal static string Percent(double fraction, bool roundUp)
    {
        var percent = fraction * 100;
        if (percent >= 100)
        {
            return "100%";
        }

        var decimals = percent >= 1 || percent <= 0 ? 2 : Math.Clamp(1 - (int)Math.Floor(Math.Log10(percent)), 2, 10);
        if (roundUp && percent > 0)
        {
            var scale = Math.Pow(10, decimals);
            // The small allowance keeps an exact value such as 0.6 from creeping up to 0.61.
            percent = Math.Ceiling((percent * scale) - 1e-6) / scale;
        }

        return percent.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";
    }

    private static string Count(long value, string one, string many) =>
        value.ToString(CultureInfo.InvariantCulture) + " " + (value == 1 ? one : many);

    private static void Validate(long samples, long mismatches)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        ArgumentOutOfRangeException.ThrowIfNegative(mismatches);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mismatches, samples);
    }
}
