using HeavySync.Queue;
using HeavySync.Tests.Contracts;

namespace HeavySync.Tests.Queue;

/// <summary>
/// <see cref="InProcessWorkQueue"/>: the <see cref="IWorkQueue"/> contract, then what only the
/// in-process queue promises (bounded publishing, redeliveries ahead of a full channel, exact depth).
/// </summary>
public sealed class InProcessWorkQueueTests : WorkQueueContract
{
    protected override Task<IWorkQueue> CreateQueueAsync(TimeSpan leaseDuration) =>
        Task.FromResult<IWorkQueue>(new InProcessWorkQueue(new InProcessQueueOptions { LeaseDuration = leaseDuration }));
}
