using HeavySync.Google.Storage;
using HeavySync.Hashing;
using HeavySync.Locations;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>
/// A new resumable upload sends its first chunk while the chunk is still being read from the
/// source (<see cref="ChunkFill"/>): the request starts before the source has given the whole chunk,
/// a source that fails meanwhile is the error (the session stays recorded and a later attempt
/// continues it), and a first chunk that is also the last is read whole first (its hashes go in
/// its headers).
/// </summary>
public sealed class GcsStreamedFirstChunkTests
{
    private const int Chunk = 256 * 1024;

    private static readonly byte[] Data = FakeGcsStores.Bytes((3 * Chunk) + 500, seed: 11);

    [Fact]
    public async Task WriteAsync_NewSession_FirstChunkRequestStartsBeforeTheSourceGaveTheWholeChunk()
    {
        var fake = new FakeGcs();
        var watch = new ChunkWatch(fake);
        await using var store = await OpenAsync(watch);

        // The source gives a quarter of the first chunk, then nothing more until that chunk's
        // request has started: an upload that waits for the whole chunk first never gets it.
        var source = new GatedStream(Data, gateAt: Chunk / 4, gate: watch.FirstChunkStarted);
        var written = await store.WriteAsync(new WriteRequest("k", Data.Length), source, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Data, fake.Data("k"));
        Assert.Equal(Crc32c.Compute(Data), written.Crc32c);
        Assert.Single(fake.Calls, c => c.IsChunk && c.ChunkStart == 0);
        Assert.Equal(4, fake.Calls.Count(c => c.IsChunk));
    }

    [Fact]
    public async Task WriteAsync_SourceFailsWhileTheFirstChunkIsSent_ThatIsTheError_AndTheNextAttemptContinuesTheSession()
    {
        var fake = new FakeGcs();
        var watch = new ChunkWatch(fake);
        await using var store = await OpenAsync(watch);
        var sessions = new MemorySessions();
        var request = new WriteRequest("k", Data.Length) { UploadSession = new UploadSessionSlot(sessions, 1, "k", "fp") };

        var broken = new GatedStream(Data, gateAt: Chunk / 4, gate: watch.FirstChunkStarted, failAtGate: true);
        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, broken, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Equal("the source broke (test)", Assert.IsType<IOException>(error.InnerException).Message);
        Assert.NotNull(sessions.Uri);
        Assert.Null(fake.Data("k"));

        var written = await store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None);

        Assert.Equal(Data, fake.Data("k"));
        Assert.Equal(Crc32c.Compute(Data), written.Crc32c);
        Assert.Single(fake.Sessions);
        Assert.Contains(fake.Calls, c => c.IsStatusQuery);
        Assert.Null(sessions.Uri);
    }

    [Fact]
    public async Task WriteAsync_FirstChunkIsTheLast_IsReadWholeAndCarriesTheHashes()
    {
        var fake = new FakeGcs();
        var watch = new ChunkWatch(fake);
        await using var store = await OpenAsync(watch);
        var data = FakeGcsStores.Bytes(Chunk - 100, seed: 12);

        await store.WriteAsync(new WriteRequest("k", data.Length), new MemoryStream(data), CancellationToken.None);

        var chunk = Assert.Single(fake.Calls, c => c.IsChunk);
        Assert.Equal(data, chunk.Body);
        Assert.Contains("crc32c=", chunk.GoogHash);
        Assert.Contains("md5=", chunk.GoogHash);
    }

    private static Task<GcsObjectStore> OpenAsync(HttpMessageHandler transport) =>
        GcsObjectStore.OpenAsync(
            GcsConnection.ForTransport(new Uri(FakeGcs.Root), transport, null),
            LocationParser.Parse("gs://bkt/"),
            FakeGcsStores.Small,
            null,
            null,
            null,
            null,
            CancellationToken.None);

    /// <summary>Notes when the first chunk's request reaches the transport, before its body is read.</summary>
    private sealed class ChunkWatch(FakeGcs inner) : DelegatingHandler(inner)
    {
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstChunkStarted => started.Task;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content?.Headers.ContentRange is { From: 0, To: not null })
            {
                started.TrySetResult();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Gives <paramref name="data"/> up to <paramref name="gateAt"/>, then waits for
    /// <paramref name="gate"/> (at most 10 s) before the rest, or fails there.</summary>
    private sealed class GatedStream(byte[] data, int gateAt, Task gate, bool failAtGate = false) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (position == gateAt)
            {
                if (await Task.WhenAny(gate, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken)) != gate)
                {
                    throw new InvalidOperationException("the first chunk's request did not start before the source gave the whole chunk");
                }

                if (failAtGate)
                {
                    throw new IOException("the source broke (test)");
                }
            }

            var end = position < gateAt ? gateAt : data.Length;
            var count = Math.Min(buffer.Length, end - position);
            data.AsMemory(position, count).CopyTo(buffer);
            position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
