namespace HeavySync.Checking;

/// <summary>
/// Keeps a uniform random sample of at most <c>capacity</c> items from a stream of unknown length
/// (reservoir sampling, Algorithm R): after <see cref="Seen"/> offers, every item offered so far is
/// in <see cref="Sample"/> with probability capacity / Seen. Memory is O(capacity), so a sampled
/// check can walk a listing of any size. The randomness is injected so that tests are repeatable.
/// Not thread-safe.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ReservoirSampler<T>
{
    private readonly int _capacity;
    private readonly Random _random;
    private readonly List<T> _items;

    /// <summary>Creates an empty sampler.</summary>
    /// <param name="capacity">The largest sample to keep (0 keeps nothing).</param>
    /// <param name="random">The source of randomness.</param>
    public ReservoirSampler(int capacity, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentNullException.ThrowIfNull(random);
        _capacity = capacity;
        _random = random;
        // Cap the initial allocation: a large capacity over a short stream should not cost memory.
        _items = new List<T>(Math.Min(capacity, 1024));
        Sample = _items.AsReadOnly();
    }

    /// <summary>The current sample: min(capacity, <see cref="Seen"/>) items, in no meaningful order.</summary>
    public IReadOnlyList<T> Sample { get; }

    /// <summary>How many items have been offered.</summary>
    public long Seen { get; private set; }

    /// <summary>Samples up to <paramref name="n"/> items from an asynchronous stream, reading it to the end.</summary>
    public static async Task<IReadOnlyList<T>> SampleAsync(
        IAsyncEnumerable<T> source,
        int n,
        Random random,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var sampler = new ReservoirSampler<T>(n, random);
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            sampler.Offer(item);
        }

        return sampler.Sample;
    }

    /// <summary>Considers one more item of the stream.</summary>
    public void Offer(T item)
    {
        Seen++;
        if (_items.Count < _capacity)
        {
            _items.Add(item);
            return;
        }

        // Item number Seen replaces a uniformly chosen slot with probability capacity / Seen.
        var slot = _random.NextInt64(Seen);
        if (slot < _capacity)
        {
            _items[(int)slot] = item;
        }
    }
}
