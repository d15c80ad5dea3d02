using System.Security.Cryptography;
using HeavySync.Copy;
using HeavySync.Hashing;
using HeavySync.Local;
using HeavySync.Planning;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeavySync.Tests.Copy;

/// <summary>
/// <see cref="CopyExecutor"/> over real local stores, with <see cref="ScriptedStore"/> and
/// <see cref="TamperingReadStream"/> injecting the faults: what it records on success, each
/// verification branch failing, and which "not found" means the source vanished.
/// </summary>
public sealed class CopyExecutorTests : IDisposable
{
    private const string Key = "dir/object.bin";
    private static readonly string WrongMd5 = new('0', 32);

    private readonly string root = Path.Combine(Path.GetTempPath(), "hs-copy-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly byte[] content = RandomBytes(300_000, 11);

    public CopyExecutorTests()
    {
        Directory.CreateDirectory(Path.Combine(root, "src", "dir"));
        Directory.CreateDirectory(Path.Combine(root, "dst"));
        File.WriteAllBytes(Path.Combine(root, "src", Key), content);
    }

    private string ContentMd5 => Convert.ToHexStringLower(MD5.HashData(content));

    [Fact]
    public async Task CopyAsync_Streamed_LedgerRecordsMd5AndCrc32cOfTheContent()
    {
        await using var source = Source();
        await using var destination = Destination();
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        var ledger = Assert.IsType<LedgerEntry>(outcome.Ledger);
        Assert.Equal(ContentMd5, ledger.Md5);
        Assert.Equal(Crc32c.Compute(content), ledger.Crc32c);
        Assert.Equal(task.SourceFingerprint, ledger.SourceFingerprint);
        Assert.Equal(Fingerprint.Of((await destination.StatAsync(Key, default))!), ledger.DestinationFingerprint);
        Assert.NotNull(ledger.VerifiedAt);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_Streamed_LearnsTheObjectFromItsReadWithoutAStat()
    {
        await using var source = Source();
        await using var destination = Destination();
        var task = await TaskForAsync(source);
        var statsBefore = source.Stats;

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal(statsBefore, source.Stats);
        Assert.Equal(1, source.CurrentReads);
    }

    [Theory]
    [InlineData(false, ReadPattern.Parallel)]
    [InlineData(true, ReadPattern.Sequential)]
    public async Task CopyAsync_Streamed_ReadsAsFastAsTheDestinationCanWrite(bool sequentialWrites, ReadPattern expected)
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.SequentialWrites = sequentialWrites;
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal([expected], source.ReadPatterns);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_ReadDescribesAnObjectChangedSinceListing_LedgerKeepsWhatWasRead()
    {
        await using var source = Source();
        await using var destination = Destination();
        var task = await TaskForAsync(source);
        var changed = RandomBytes(1234, 12);
        File.WriteAllBytes(Path.Combine(root, "src", Key), changed);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.NotEqual(task.SourceFingerprint, outcome.Ledger!.SourceFingerprint);
        Assert.Equal(Fingerprint.Of((await source.StatAsync(Key, default))!), outcome.Ledger.SourceFingerprint);
        Assert.Equal(changed, File.ReadAllBytes(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_ServerSide_LedgerRecordsTheSourceChecksums()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5, Crc32c = Crc32c.Compute(content) };
        await using var destination = Destination(serverSide: true);
        var task = await TaskForAsync(source);

        var executor = new CopyExecutor(source, destination);
        var outcome = await executor.CopyAsync(task, default);

        Assert.True(executor.UsesServerSideCopy);
        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal(1, destination.Copies);
        Assert.Equal(ContentMd5, outcome.Ledger!.Md5);
        Assert.Equal(Crc32c.Compute(content), outcome.Ledger.Crc32c);
    }

    [Fact]
    public async Task CopyAsync_SourceBytesCorruptedInTransit_FailsWithReadMismatch()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        source.ReadWrapper = (_, s) => new TamperingReadStream(s, atByte: 123_456);
        await using var destination = Destination();
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("checksum mismatch reading", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, destination.Writes); // retried, then left for redelivery
    }

    [Fact]
    public async Task CopyAsync_DestinationVerifiesTheStatedMd5_HashesCrc32cOnly_LedgerRecordsTheConfirmedMd5()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        await using var destination = Destination();
        destination.VerifiesStatedMd5 = true;
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal([false], destination.WriteContentComputedMd5);
        Assert.Equal(ContentMd5, outcome.Ledger!.Md5);
        Assert.Equal(Crc32c.Compute(content), outcome.Ledger.Crc32c);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_DestinationVerifiesStatedMd5ButSourceStatesNone_ComputesMd5()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.VerifiesStatedMd5 = true;
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal([true], destination.WriteContentComputedMd5);
        Assert.Equal(ContentMd5, outcome.Ledger!.Md5);
    }

    [Fact]
    public async Task CopyAsync_DestinationVerifiesTheStatedMd5_SourceBytesCorruptedInTransit_RefusedAndNothingStored()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        source.ReadWrapper = (_, s) => new TamperingReadStream(s, atByte: 123_456);
        await using var destination = Destination();
        destination.VerifiesStatedMd5 = true;
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("its MD5 is not the stated", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, destination.Writes);
        Assert.False(File.Exists(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_DestinationVerifiesTheStatedMd5ButReportsNone_FailsUnverified()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        await using var destination = Destination();
        destination.VerifiesStatedMd5 = true;
        destination.WrittenLie = e => e with { Md5 = null };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("reported no MD5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_DestinationVerifiesTheStatedMd5_StoredMd5Differs_FailsWithWriteMismatch()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        await using var destination = Destination();
        destination.VerifiesStatedMd5 = true;
        destination.WrittenLie = e => e with { Md5 = WrongMd5 };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Contains("checksum mismatch writing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_SourceCrc32cDiffersFromItsBytes_FailsWithReadMismatch()
    {
        await using var source = Source();
        source.StatLie = e => e with { Crc32c = Crc32c.Compute(content) ^ 1 };
        await using var destination = Destination();
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("the CRC32C of the bytes read differs from the source's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_DestinationReportsAnotherMd5_FailsWithWriteMismatch()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.WrittenLie = e => e with { Md5 = WrongMd5 };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("checksum mismatch writing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_DestinationReportsAnotherCrc32c_FailsWithWriteMismatch()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.WrittenLie = e => e with { Crc32c = Crc32c.Compute(content) ^ 0x80 };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("destination CRC32C differs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_DestinationReportsAnotherSize_FailsWithSizeMismatch()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.WrittenLie = e => e with { Size = e.Size - 1 };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("size mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_ServerSideCopyReportsAnotherMd5_Fails()
    {
        await using var source = Source();
        source.StatLie = e => e with { Md5 = ContentMd5 };
        await using var destination = Destination(serverSide: true);
        destination.WrittenLie = e => e with { Md5 = WrongMd5 };
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("checksum mismatch after server-side copy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CopyAsync_DestinationLosesItsUploadWhileSourceExists_IsTransientNotVanished()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.FailNextWrites(() => new StoreException(StoreErrorKind.NotFound, "PUT s3://b/dir/object.bin part 3: NoSuchUpload"), times: 2);
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Contains("NoSuchUpload", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, destination.Writes);
        Assert.False(File.Exists(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_DestinationLosesItsUploadOnce_RetriedAndDone()
    {
        await using var source = Source();
        await using var destination = Destination();
        destination.FailNextWrites(() => new StoreException(StoreErrorKind.NotFound, "NoSuchUpload"));
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Done, outcome.Status);
        Assert.Equal(2, destination.Writes);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(root, "dst", Key)));
    }

    [Fact]
    public async Task CopyAsync_ServerSideCopyNotFoundWhileSourceExists_IsTransientNotVanished()
    {
        await using var source = Source();
        await using var destination = Destination(serverSide: true);
        destination.FailNextWrites(() => new StoreException(StoreErrorKind.NotFound, "COPY part 2: NoSuchUpload"), times: 2);
        var task = await TaskForAsync(source);

        var error = await Assert.ThrowsAsync<StoreException>(() => new CopyExecutor(source, destination, maxAttempts: 2).CopyAsync(task, default));

        Assert.Equal(StoreErrorKind.Transient, error.Kind);
        Assert.Equal(2, destination.Copies);
    }

    [Fact]
    public async Task CopyAsync_SourceDeletedMidStream_IsVanished()
    {
        await using var source = Source();
        source.ReadWrapper = (key, s) => new TamperingReadStream(s, atByte: 65_536, () =>
        {
            File.Delete(Path.Combine(root, "src", key));
            return new StoreException(StoreErrorKind.NotFound, $"GET {key}: NoSuchKey");
        });
        await using var destination = Destination();
        var task = await TaskForAsync(source);

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Vanished, outcome.Status);
        Assert.Null(outcome.Ledger);
        Assert.Equal(1, destination.Writes);
    }

    [Fact]
    public async Task CopyAsync_SourceGoneBeforeCopy_IsVanishedWithoutWriting()
    {
        await using var source = Source();
        await using var destination = Destination();
        var task = await TaskForAsync(source);
        File.Delete(Path.Combine(root, "src", Key));

        var outcome = await new CopyExecutor(source, destination).CopyAsync(task, default);

        Assert.Equal(WorkTaskStatus.Vanished, outcome.Status);
        Assert.Equal(0, destination.Writes);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private ScriptedStore Source() => new(Local("src"));

    private ScriptedStore Destination(bool serverSide = false) => new(Local("dst"), serverSide);

    private LocalFileStore Local(string name) =>
        new(Path.Combine(root, name), new LocalStoreOptions { RootMustExist = true }, NullLogger<LocalFileStore>.Instance);

    private static async Task<WorkTask> TaskForAsync(IObjectStore source)
    {
        var listed = (await source.StatAsync(Key, default))!;
        return new WorkTask(1, Key, listed.Size, Fingerprint.Of(listed), TaskAction.Copy);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
