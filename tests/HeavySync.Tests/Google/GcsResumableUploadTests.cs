using System.Net;
using HeavySync.Hashing;
using HeavySync.Storage;

namespace HeavySync.Tests.Google;

/// <summary>The resumable upload's chunk loop against a faulty server (<see cref="FakeGcs"/>):
/// answers lost after the server kept a chunk, a session that holds more or less than the client
/// thinks, 308 without Range, expired sessions, and the hashes of the last chunk.</summary>
public sealed class GcsResumableUploadTests
{
    private const int Chunk = 256 * 1024;

    // Six chunks, the last one partial.
    private static readonly byte[] Data = FakeGcsStores.Bytes((5 * Chunk) + 1000, seed: 7);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WriteAsync_ChunkStoredButItsAnswerLost_GoesOnWithoutSendingItAgain(bool connectionReset)
    {
        var fake = new FakeGcs();
        fake.After = call => call.IsChunk && call.ChunkStart == Chunk
            ? connectionReset ? throw new HttpRequestException("connection reset (test)", new IOException()) : FakeGcs.Error(HttpStatusCode.ServiceUnavailable, "backendError")
            : null;
        await using var store = await FakeGcsStores.OpenAsync(fake);

        var written = await store.WriteAsync(new WriteRequest("k", Data.Length), new MemoryStream(Data), CancellationToken.None);

        Assert.Equal(Crc32c.Compute(Data), written.Crc32c);
        Assert.Equal(Data, fake.Data("k"));
        Assert.Single(fake.Calls, c => c.IsChunk && c.ChunkStart == Chunk);
        Assert.Contains(fake.Calls, c => c.IsStatusQuery);
        Assert.DoesNotContain(fake.Calls, c => c.IsChunk && c.Body.Length == 0);
    }

    [Fact]
    public async Task WriteAsync_SessionHoldsMoreThanSent_SendsOnlyWhatItLacks()
    {
        var fake = new FakeGcs();

        // After the first chunk the session also holds the second (as if an earlier attempt sent it), and the answer is lost.
        fake.After = call =>
        {
            if (call.IsChunk && call.ChunkStart == 0)
            {
                fake.Sessions[0].Data.Write(Data, Chunk, Chunk);
                return FakeGcs.Error(HttpStatusCode.InternalServerError, "backendError");
            }

            return null;
        };
        await using var store = await FakeGcsStores.OpenAsync(fake);

        await store.WriteAsync(new WriteRequest("k", Data.Length), new MemoryStream(Data), CancellationToken.None);

        Assert.Equal(Data, fake.Data("k"));
        Assert.DoesNotContain(fake.Calls, c => c.IsChunk && c.ChunkStart == Chunk);
        Assert.Single(fake.Calls, c => c.IsChunk && c.ChunkStart == 2 * Chunk);
    }

    [Fact]
    public async Task WriteAsync_308WithoutRange_SendsTheChunkAgainFromItsStart()
    {
        var fake = new FakeGcs();
        var dropped = 0;

        // The server kept nothing of the first chunk: 308 with no Range header.
        fake.Before = call => call.IsChunk && call.ChunkStart == 0 && Interlocked.Increment(ref dropped) == 1
            ? new HttpResponseMessage(HttpStatusCode.PermanentRedirect)
            : null;
        await using var store = await FakeGcsStores.OpenAsync(fake);

        await store.WriteAsync(new WriteRequest("k", Data.Length), new MemoryStream(Data), CancellationToken.None);

        Assert.Equal(Data, fake.Data("k"));
        Assert.Equal(2, fake.Calls.Count(c => c.IsChunk && c.ChunkStart == 0));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Gone)]
    public async Task WriteAsync_SessionExpired_ForgetsItAndTheNextAttemptStartsAtByteZero(HttpStatusCode expired)
    {
        var fake = new FakeGcs();
        fake.Before = call => call.Uri.AbsolutePath == "/upload/session/1" && (call.IsStatusQuery || call.ChunkStart >= 2 * Chunk)
            ? FakeGcs.Error(expired, "notFound")
            : null;
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var sessions = new MemorySessions();
        var request = new WriteRequest("k", Data.Length) { UploadSession = new UploadSessionSlot(sessions, 1, "k", "fp") };

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None));
        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Null(sessions.Uri);

        var written = await store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None);

        Assert.Equal(Crc32c.Compute(Data), written.Crc32c);
        Assert.Equal(2, fake.Sessions.Count);
        Assert.Equal(0, fake.Calls.First(c => c.IsChunk && c.Uri.AbsolutePath == "/upload/session/2").ChunkStart);
        Assert.Equal(Data, fake.Data("k"));
    }

    [Fact]
    public async Task WriteAsync_SessionLostBytesBeforeTheChunk_KeepsTheSessionAndTheNextAttemptResumesThere()
    {
        var fake = new FakeGcs();
        var lost = 0;

        // At the third chunk the server keeps it but forgets the second one (the answer says so).
        fake.After = call =>
        {
            if (call.IsChunk && call.ChunkStart == 2 * Chunk && Interlocked.Increment(ref lost) == 1)
            {
                fake.Sessions[0].Data.SetLength(Chunk);
                return FakeGcs.Error(HttpStatusCode.ServiceUnavailable, "backendError");
            }

            return null;
        };
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var sessions = new MemorySessions();
        var request = new WriteRequest("k", Data.Length) { UploadSession = new UploadSessionSlot(sessions, 1, "k", "fp") };

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None));
        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.NotNull(sessions.Uri);

        await store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None);

        Assert.Single(fake.Sessions);
        Assert.Equal(Data, fake.Data("k"));
        Assert.Equal(2, fake.Calls.Count(c => c.IsChunk && c.ChunkStart == Chunk));
        Assert.Single(fake.Calls, c => c.IsChunk && c.ChunkStart == 0);
    }

    [Fact]
    public async Task WriteAsync_LastChunk_CarriesCrc32cAndMd5OfTheWholeContent()
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake);

        await store.WriteAsync(new WriteRequest("k", Data.Length), new MemoryStream(Data), CancellationToken.None);

        var chunks = fake.Calls.Where(c => c.IsChunk).ToList();
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks[..^1], c => Assert.Null(c.GoogHash));
        Assert.Equal(
            $"crc32c={Crc32c.ToBase64BigEndian(Crc32c.Compute(Data))},md5={Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(Data))}",
            chunks[^1].GoogHash);
        Assert.All(chunks, c => Assert.EndsWith($"/{Data.Length}", c.ContentRange));
    }

    [Fact]
    public async Task WriteAsync_ServerHoldsOtherBytesThanRead_LastChunkIsRefusedAndTheSessionForgotten()
    {
        var fake = new FakeGcs();

        // The server's copy of the first chunk differs from what was sent (a corrupted transfer).
        fake.After = call =>
        {
            if (call.IsChunk && call.ChunkStart == 0)
            {
                var session = fake.Sessions[0].Data;
                session.Position = 10;
                session.WriteByte((byte)(Data[10] ^ 0xFF));
                session.Position = session.Length;
            }

            return null;
        };
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var sessions = new MemorySessions();
        var request = new WriteRequest("k", Data.Length) { UploadSession = new UploadSessionSlot(sessions, 1, "k", "fp") };

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Null(sessions.Uri);
        Assert.Null(fake.Data("k"));
    }

    [Fact]
    public async Task WriteAsync_ContentHashedWithoutMd5_LastChunkCarriesTheStatedMd5_AndTheComputedCrc32c()
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var md5 = System.Security.Cryptography.MD5.HashData(Data);
        await using var content = new HashingReadStream(new MemoryStream(Data), Data.Length, computeMd5: false);

        var entry = await store.WriteAsync(new WriteRequest("k", Data.Length) { Md5 = Convert.ToHexStringLower(md5) }, content, CancellationToken.None);

        Assert.True(store.Capabilities.VerifiesStatedMd5);
        Assert.Equal(
            $"crc32c={Crc32c.ToBase64BigEndian(Crc32c.Compute(Data))},md5={Convert.ToBase64String(md5)}",
            fake.Calls.Last(c => c.IsChunk).GoogHash);
        Assert.Equal(Convert.ToHexStringLower(md5), entry.Md5);
        Assert.Equal(Data, fake.Data("k"));
    }

    [Fact]
    public async Task WriteAsync_ContentHashedWithoutMd5_BytesDifferFromTheStatedMd5_TheServerRefusesTheLastChunk()
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var sessions = new MemorySessions();
        var otherMd5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Data.AsSpan(1)));
        var request = new WriteRequest("k", Data.Length) { Md5 = otherMd5, UploadSession = new UploadSessionSlot(sessions, 1, "k", "fp") };
        await using var content = new HashingReadStream(new MemoryStream(Data), Data.Length, computeMd5: false);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, content, CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("refused the upload's content", error.Message, StringComparison.Ordinal);
        Assert.Contains(fake.Calls, c => c.IsChunk && c.GoogHash is not null);
        Assert.Null(sessions.Uri);
        Assert.Null(fake.Data("k"));
    }

    [Fact]
    public async Task WriteAsync_SourceChangedWhileRead_LastChunkIsNotSent()
    {
        var fake = new FakeGcs();
        await using var store = await FakeGcsStores.OpenAsync(fake);
        var request = new WriteRequest("k", Data.Length) { Md5 = new string('0', 32) };

        var error = await Assert.ThrowsAsync<StoreException>(() => store.WriteAsync(request, new MemoryStream(Data), CancellationToken.None));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.DoesNotContain(fake.Calls, c => c.IsChunk && c.GoogHash is not null);
        Assert.Null(fake.Data("k"));
    }
}
