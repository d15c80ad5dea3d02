using HeavySync.Storage;

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task UploadSessions_SaveFindDelete_KeyedByJobKeyAndSourceVersion()
    {
        await using var store = await CreateStoreAsync();
        var sessions = Assert.IsAssignableFrom<IUploadSessionStore>(store);
        var job = await store.GetOrCreateJobAsync("s3://a", "gs://b", CancellationToken.None);

        await sessions.SaveUploadSessionAsync(job.Id, "k/ü.bin", "fp1", "https://upload/1", CancellationToken.None);

        Assert.Equal("https://upload/1", await sessions.FindUploadSessionAsync(job.Id, "k/ü.bin", "fp1", CancellationToken.None));
        Assert.Null(await sessions.FindUploadSessionAsync(job.Id, "k/ü.bin", "fp2", CancellationToken.None));

        // A newer source version replaces the session of the key.
        await sessions.SaveUploadSessionAsync(job.Id, "k/ü.bin", "fp2", "https://upload/2", CancellationToken.None);
        Assert.Null(await sessions.FindUploadSessionAsync(job.Id, "k/ü.bin", "fp1", CancellationToken.None));
        Assert.Equal("https://upload/2", await sessions.FindUploadSessionAsync(job.Id, "k/ü.bin", "fp2", CancellationToken.None));

        await sessions.DeleteUploadSessionAsync(job.Id, "k/ü.bin", CancellationToken.None);
        await sessions.DeleteUploadSessionAsync(job.Id, "k/ü.bin", CancellationToken.None);
        Assert.Null(await sessions.FindUploadSessionAsync(job.Id, "k/ü.bin", "fp2", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteJob_WithUploadSession_RemovesItToo()
    {
        await using var store = await CreateStoreAsync();
        var sessions = Assert.IsAssignableFrom<IUploadSessionStore>(store);
        var job = await store.CreateNamedJobAsync("with-session", "s3://a", "gs://b", "{}", CancellationToken.None);
        await sessions.SaveUploadSessionAsync(job.Id, "big.bin", "fp", "https://upload/x", CancellationToken.None);

        Assert.True(await store.DeleteJobAsync(job.Id, CancellationToken.None));

        Assert.Null(await sessions.FindUploadSessionAsync(job.Id, "big.bin", "fp", CancellationToken.None));
    }
}
