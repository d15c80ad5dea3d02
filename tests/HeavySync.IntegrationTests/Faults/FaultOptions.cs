namespace HeavySync.IntegrationTests.Faults;

/// <summary>Per-request probabilities of each <see cref="FaultKind"/> (their sum at most 1) and the seed
/// that makes a run repeatable.</summary>
public sealed record FaultOptions
{
    /// <summary>Seed of the random choice of faults.</summary>
    public int Seed { get; init; } = 12345;

    /// <summary>Probability of each kind per request; missing kinds never happen.</summary>
    public IReadOnlyDictionary<FaultKind, double> Rates { get; init; } = new Dictionary<FaultKind, double>();

    /// <summary>How long a <see cref="FaultKind.SlowResponse"/> is held back (default 300 ms).</summary>
    public TimeSpan SlowResponseDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The Retry-After header value of injected <see cref="FaultKind.SlowDown"/> answers
    /// (delay-seconds or an HTTP-date); null (the default) sends none, as AWS S3 does.</summary>
    public string? RetryAfter { get; init; }

    /// <summary>No faults: a plain forwarding proxy.</summary>
    public static FaultOptions None { get; } = new();

    /// <summary><paramref name="totalRate"/> spread evenly over the S3 answer kinds (every kind but
    /// <see cref="FaultKind.StalledBody"/>, <see cref="FaultKind.TooManyRequests"/> and <see cref="FaultKind.RequestTimeout"/>).</summary>
    public static FaultOptions Uniform(double totalRate, int seed)
    {
        var kinds = Enum.GetValues<FaultKind>().Where(k => k is not (FaultKind.StalledBody or FaultKind.TooManyRequests or FaultKind.RequestTimeout)).ToArray();
        return new FaultOptions { Seed = seed, Rates = kinds.ToDictionary(k => k, _ => totalRate / kinds.Length) };
    }
}
