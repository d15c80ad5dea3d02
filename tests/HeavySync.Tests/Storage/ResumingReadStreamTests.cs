using HeavySync.Storage;

namespace HeavySync.Tests.Storage;

/// <summary>
/// <see cref="ResumingReadStream"/>, shared by the S3 and GCS stores, over bodies that end early,
/// stall or break (fault injection in place of a network; the stores' own resumed reads are proven
/// against radosgw and the GCS emulator in the integration tests).
/// </summary>
public sealed class ResumingReadStreamTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public async Task ReadAsync_BodyEndsEarly_ReopensAtThePositionReachedAndYieldsExactBytes()
    {
        var reopenedAt = new List<long>();
        await using var stream = new ResumingReadStream(
            (from, _) =>
            {
                reopenedAt.Add(from);
                return Task.FromResult<Stream>(Truncated(from, 300));
            },
            Truncated(100, 300),
            start: 100,
            end: 900,
            maxAttempts: 3,
            TimeSpan.FromSeconds(10),
            "GET test");

        var read = await ReadAllAsync(stream);

        Assert.Equal(Data[100..900], read);
        Assert.Equal([400L, 700L], reopenedAt);
    }

    [Fact]
    public async Task ReadAsync_BodyStalls_TimesOutAndReopens()
    {
        var reopens = 0;
        await using var stream = new ResumingReadStream(
            (from, _) =>
            {
                reopens++;
                return Task.FromResult<Stream>(new MemoryStream(Data[(int)from..]));
            },
            new StallingStream(),
            start: 0,
            end: Data.Length,
            maxAttempts: 2,
            TimeSpan.FromMilliseconds(50),
            "GET test");

        var read = await ReadAllAsync(stream);

        Assert.Equal(Data, read);
        Assert.Equal(1, reopens);
    }

    [Fact]
    public async Task ReadAsync_NoProgressForMaxAttempts_ThrowsTransientStoreException()
    {
        var reopens = 0;
        await using var stream = new ResumingReadStream(
            (_, _) =>
            {
                reopens++;
                return Task.FromResult<Stream>(new MemoryStream([]));
            },
            new MemoryStream([]),
            start: 0,
            end: 10,
            maxAttempts: 3,
            TimeSpan.FromSeconds(10),
            "GET test");

        var error = await Assert.ThrowsAsync<StoreException>(async () => await stream.ReadExactlyAsync(new byte[10]));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.StartsWith("GET test:", error.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(2, reopens);
    }

    [Fact]
    public async Task ReadAsync_CallerCancels_ThrowsOperationCanceledWithoutReopening()
    {
        var reopens = 0;
        await using var stream = new ResumingReadStream(
            (_, _) =>
            {
                reopens++;
                return Task.FromResult<Stream>(new StallingStream());
            },
            new StallingStream(),
            start: 0,
            end: 10,
            maxAttempts: 5,
            TimeSpan.FromSeconds(30),
            "GET test");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.ReadExactlyAsync(new byte[10], cts.Token));

        Assert.Equal(0, reopens);
    }

    private static MemoryStream Truncated(long from, int count) =>
        new(Data[(int)from..(int)Math.Min(from + count, Data.Length)]);

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A body that never sends another byte until the read is cancelled.</summary>
    private sealed class StallingStream : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
