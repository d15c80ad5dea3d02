using HeavySync.State.Sqlite;

namespace HeavySync.Tests.State;

public sealed class SqliteUploadSessionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("heavysync-sessions-").FullName;

    [Fact]
    public async Task SaveFindDelete_SessionOfOneSourceVersion_SurvivesReopening()
    {
        var path = Path.Combine(_directory, "s.db");
        long jobId;
        await using (var store = await SqliteStateStore.OpenAsync(path, CancellationToken.None))
        {
            jobId = (await store.GetOrCreateJobAsync("s3://a/", "gs://b/", CancellationToken.None)).Id;
            await store.SaveUploadSessionAsync(jobId, "k", "10:etag:x", "https://u/1", CancellationToken.None);
            await store.SaveUploadSessionAsync(jobId, "k", "10:etag:y", "https://u/2", CancellationToken.None);
        }

        await using var reopened = await SqliteStateStore.OpenAsync(path, CancellationToken.None);

        Assert.Null(await reopened.FindUploadSessionAsync(jobId, "k", "10:etag:x", CancellationToken.None));
        Assert.Equal("https://u/2", await reopened.FindUploadSessionAsync(jobId, "k", "10:etag:y", CancellationToken.None));
        await reopened.DeleteUploadSessionAsync(jobId, "k", CancellationToken.None);
        await reopened.DeleteUploadSessionAsync(jobId, "k", CancellationToken.None);
        Assert.Null(await reopened.FindUploadSessionAsync(jobId, "k", "10:etag:y", CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
