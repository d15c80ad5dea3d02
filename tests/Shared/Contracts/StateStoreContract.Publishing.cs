using HeavySync.State;

namespace HeavySync.Tests.Contracts;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task SetPublishCheckpoint_RaisedThenLowered_RunReportsLatestValue()
    {
        await using var store = await CreateStoreAsync();
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);
        Assert.Equal(0, run.PublishedThrough);

        await store.SetPublishCheckpointAsync(run.Id, 41, CancellationToken.None);
        Assert.Equal(41, (await store.GetRunAsync(run.Id, CancellationToken.None)).PublishedThrough);

        await store.SetPublishCheckpointAsync(run.Id, 7, CancellationToken.None);
        Assert.Equal(7, (await store.GetRunAsync(run.Id, CancellationToken.None)).PublishedThrough);
    }

    [Fact]
    public async Task SetPublishCheckpoint_MissingRun_Throws()
    {
        await using var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<StateStoreException>(() => store.SetPublishCheckpointAsync(12345, 1, CancellationToken.None));
    }
}
