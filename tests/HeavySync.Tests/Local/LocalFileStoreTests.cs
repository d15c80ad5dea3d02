using HeavySync.Local;
using HeavySync.Storage;
using HeavySync.Tests.Contracts;
using HeavySync.Tests.Logging;

namespace HeavySync.Tests.Local;

/// <summary>
/// <see cref="LocalFileStore"/>: the <see cref="IObjectStore"/> contract in a temporary directory per test,
/// then what only a local file system has (mtimes to the tick, links, permissions, unsafe keys).
/// </summary>
public sealed class LocalFileStoreTests : ObjectStoreContract
{
    private readonly TempDirectory _temp = new();

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalFileStore(_temp.NewSubdirectory(), new LocalStoreOptions(), new CollectingLogger()));

    protected override Task<IObjectStore?> CreateMissingLocationStoreAsync() =>
        Task.FromResult<IObjectStore?>(new LocalFileStore(
            Path.Join(_temp.Path, "does-not-exist"), new LocalStoreOptions { RootMustExist = true }, new CollectingLogger()));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _temp.Dispose();
    }
}
