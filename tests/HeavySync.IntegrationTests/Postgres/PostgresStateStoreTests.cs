using System.Diagnostics;
using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.Storage;
using static HeavySync.Tests.Contracts.StateStoreTestKit;

namespace HeavySync.IntegrationTests.Postgres;

/// <summary>What only the Postgres store can get wrong: migrations under concurrency, versions, locks
/// held by other processes, COPY ingest and connection errors.</summary>
public sealed class PostgresStateStoreTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task MigrateAsync_EightRolesStartingAtOnce_ApplyEachMigrationOnce()
    {
        var url = await database.NewSchemaUrlAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PostgresStateStore.OpenAsync(url, CancellationToken.None))));
        try
        {
            Assert.Equal(PostgresStateStore.LatestSchemaVersion, Convert.ToInt32(await PostgresDatabaseFixture.ScalarAsync(url, "SELECT COUNT(*) FROM schema_version")));
            Assert.Equal(new SchemaStatus(PostgresStateStore.LatestSchemaVersion, PostgresStateStore.LatestSchemaVersion), await stores[3].GetSchemaStatusAsync(CancellationToken.None));
            var job = await stores[5].GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
            Assert.Equal(job, await stores[0].FindJobAsync("s3://a", "s3://b", CancellationToken.None));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task OpenAsync_SearchPathOfMissingSchema_CreatesItAndMigratesThere()
    {
        var schema = "fresh_" + Guid.NewGuid().ToString("N")[..8];

        await using (var store = await PostgresStateStore.OpenAsync($"{database.Url}?search_path={schema}", CancellationToken.None))
        {
            await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        }

        Assert.Equal(1L, await PostgresDatabaseFixture.ScalarAsync(database.Url, $"SELECT COUNT(*) FROM {schema}.jobs"));
    }

    [Fact]
    public async Task GetSchemaStatus_EmptySchema_ReportsZeroWithoutCreatingAnything()
    {
        var url = await database.NewSchemaUrlAsync();
        await using var store = PostgresStateStore.Create(url);

        var status = await store.GetSchemaStatusAsync(CancellationToken.None);

        Assert.Equal(new SchemaStatus(0, PostgresStateStore.LatestSchemaVersion), status);
        Assert.True(status.NeedsMigration);
        Assert.Equal(DBNull.Value, await PostgresDatabaseFixture.ScalarAsync(url, "SELECT to_regclass('schema_version')::text"));
    }

    [Fact]
    public async Task OpenAsync_SchemaNewerThanBuild_RefusedWithOneLine()
    {
        var url = await database.NewSchemaUrlAsync();
        await (await PostgresStateStore.OpenAsync(url, CancellationToken.None)).DisposeAsync();
        var newer = PostgresStateStore.LatestSchemaVersion + 1;
        await PostgresDatabaseFixture.ExecuteAsync(url, $"INSERT INTO schema_version (version) VALUES ({newer})");

        var error = await Assert.ThrowsAsync<StateStoreException>(() => PostgresStateStore.OpenAsync(url, CancellationToken.None));
        await using var unmigrated = PostgresStateStore.Create(url);

        Assert.Equal($"state schema is version {newer}, this heavysync knows up to {PostgresStateStore.LatestSchemaVersion}: upgrade heavysync", error.Message);
        Assert.True((await unmigrated.GetSchemaStatusAsync(CancellationToken.None)).IsTooNew);
    }

    [Fact]
    public async Task TryLockJob_PsqlProcessHoldsIt_NullUntilThatProcessIsKilled()
    {
        var url = await database.NewSchemaUrlAsync();
        await using var store = await PostgresStateStore.OpenAsync(url, CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var (cls, obj) = PostgresStateStore.JobLockKey(job.Id, JobLockKind.Lister);

        // An idle psql session holding the lock, as a lister would between pages.
        using var holder = StartPsql(url);
        await holder.StandardInput.WriteLineAsync($"SELECT pg_advisory_lock({cls}, {obj});");
        await holder.StandardInput.WriteLineAsync("\\echo locked");
        await holder.StandardInput.FlushAsync();
        Assert.Equal("locked", await ReadLineUntilAsync(holder, "locked"));
        try
        {
            Assert.Null(await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None));
            await using (var finalizer = await store.TryLockJobAsync(job.Id, JobLockKind.Finalizer, CancellationToken.None))
            {
                Assert.NotNull(finalizer);
            }

            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();

            // The server notices the closed connection and ends the session, lock and all.
            var clock = Stopwatch.StartNew();
            IAsyncDisposable? taken;
            while ((taken = await store.TryLockJobAsync(job.Id, JobLockKind.Lister, CancellationToken.None)) is null && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }

            Assert.NotNull(taken);
            await taken.DisposeAsync();
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task CreateNamedJob_JobsTableLockedByAnotherSession_CancellationEndsTheWait()
    {
        // Queries are generated at build time (Dapper.AOT), their cancellation token carried in the
        // parameters: a cancelled call must stop a statement the server is still waiting on.
        var url = await database.NewSchemaUrlAsync();
        await using var store = await PostgresStateStore.OpenAsync(url, CancellationToken.None);
        using var holder = StartPsql(url);
        await holder.StandardInput.WriteLineAsync("BEGIN; LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE;");
        await holder.StandardInput.WriteLineAsync("\\echo locked");
        await holder.StandardInput.FlushAsync();
        Assert.Equal("locked", await ReadLineUntilAsync(holder, "locked"));
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var create = store.CreateNamedJobAsync("nightly", "s3://a", "s3://b", "{}", cancel.Token);

            // A call that ignored its token would wait for the lock as long as the holder keeps it
            // (here: until this generous bound, then the holder lets go).
            var endedWhileLocked = await Task.WhenAny(create, Task.Delay(TimeSpan.FromSeconds(20))) == create;
            holder.Kill(entireProcessTree: true);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => create);
            Assert.True(endedWhileLocked, "the call waited for the lock after its token was cancelled");
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }

        Assert.Null(await store.FindJobAsync("s3://a", "s3://b", CancellationToken.None));
    }

    [Fact]
    public async Task TryLockJob_Held_AnotherSessionCannotTakeItUntilDisposed()
    {
        var url = await database.NewSchemaUrlAsync();
        await using var store = await PostgresStateStore.OpenAsync(url, CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var (cls, obj) = PostgresStateStore.JobLockKey(job.Id, JobLockKind.Finalizer);
        var tryLock = $"SELECT pg_try_advisory_lock({cls}, {obj})";

        var held = await store.TryLockJobAsync(job.Id, JobLockKind.Finalizer, CancellationToken.None);
        var whileHeld = await PostgresDatabaseFixture.ScalarAsync(url, tryLock);
        await held!.DisposeAsync();
        var afterRelease = await PostgresDatabaseFixture.ScalarAsync(url, tryLock);

        Assert.Equal(false, whileHeld);
        Assert.Equal(true, afterRelease);
    }

    [Fact]
    public async Task AddManifestBatch_200kRowsByCopy_EveryRowStoredWithItsFields()
    {
        const int rows = 200_000;
        const int batch = 10_000;
        await using var store = await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://big", "gs://big", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);

        // Every optional field null in some rows and set in others, so a column shifted or dropped
        // by the binary COPY shows up as a wrong row.
        static ObjectEntry Row(int i) => Entry(
            $"photos/2024/{i:D8}.jpg", i,
            md5: i % 3 == 0 ? null : $"{i:X32}",
            crc32c: i % 5 == 0 ? null : (uint)i * 2_654_435_761u,
            etag: i % 7 == 0 ? null : $"\"{i:x32}\"",
            mtime: i % 11 == 0 ? null : DateTimeOffset.UnixEpoch.AddSeconds(i).AddTicks(i % 10_000),
            version: i % 13 == 0 ? $"v{i}" : null);
        for (var b = 0; b < rows / batch; b++)
        {
            var entries = Enumerable.Range(b * batch, batch).Select(Row).ToList();
            await store.AddManifestBatchAsync(run.Id, StoreSide.Source, entries, entries[^1].Key, CancellationToken.None);
        }

        Assert.Equal(rows, await store.CountManifestAsync(run.Id, StoreSide.Source, CancellationToken.None));
        Assert.Equal(Row(rows - 1).Key, (await store.GetRunAsync(run.Id, CancellationToken.None)).SourceResumeAfter);
        await using var read = store.DataSource.CreateCommand(
            "SELECT key, size, etag, md5, crc32c, mtime_ticks, version, fp FROM manifest WHERE run_id = $1 AND side = 0 ORDER BY key");
        read.Parameters.AddWithValue(run.Id);
        await using var reader = await read.ExecuteReaderAsync();
        var i = 0;
        while (await reader.ReadAsync())
        {
            var want = Row(i++);
            var got = new object?[8];
            for (var column = 0; column < got.Length; column++)
            {
                got[column] = reader.IsDBNull(column) ? null : reader.GetValue(column);
            }

            Assert.Equal(
                new object?[]
                {
                    want.Key, want.Size, want.ETag, want.Md5?.ToLowerInvariant(), (long?)want.Crc32c,
                    want.LastModified is { } m ? Fingerprint.UnixTicks(m) : null, want.Version, Fingerprint.Of(want),
                },
                got);
        }

        Assert.Equal(rows, i);
    }

    [Fact]
    public async Task AddManifestBatch_NonAsciiAndOversizedFields_StoredExactly()
    {
        await using var store = await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await store.CreateRunAsync(job.Id, CancellationToken.None);

        // Multi-byte UTF-8 everywhere text goes, an MD5 that only ToLowerInvariant lower-cases fully,
        // and a version far larger than the COPY buffer and the fingerprint buffer start with.
        var entries = new[]
        {
            Entry("fotos/Ärger/😀.jpg", 3, md5: "ÄBCDEF", etag: "\"é€\"", version: "ünï"),
            Entry("huge-version", 4, md5: "ABCDEF0123456789ABCDEF0123456789", version: string.Concat(Enumerable.Repeat("vérsion-", 20_000))),
            Entry("bare", 0),
        };
        await store.AddManifestBatchAsync(run.Id, StoreSide.Source, entries, "huge-version", CancellationToken.None);

        await using var read = store.DataSource.CreateCommand("SELECT key, etag, md5, version, fp FROM manifest WHERE run_id = $1 ORDER BY key");
        read.Parameters.AddWithValue(run.Id);
        await using var reader = await read.ExecuteReaderAsync();
        foreach (var want in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Assert.True(await reader.ReadAsync());
            var got = Enumerable.Range(0, 5).Select(c => reader.IsDBNull(c) ? null : reader.GetString(c)).ToArray();
            Assert.Equal(new[] { want.Key, want.ETag, want.Md5?.ToLowerInvariant(), want.Version, Fingerprint.Of(want) }, got);
        }

        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task AddManifestBatch_RunMissing_ThrowsAndTheCopiedRowsAreRolledBack()
    {
        await using var store = await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
        await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);

        // The COPY comes before the run's row is read, so it must not survive the failed check.
        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            store.AddManifestBatchAsync(4242, StoreSide.Source, [Entry("a", 1), Entry("b", 2)], "b", CancellationToken.None));

        Assert.Equal($"run 4242 not found in state database {store.Where}", error.Message);
        Assert.Equal(0, await store.CountManifestAsync(4242, StoreSide.Source, CancellationToken.None));
    }

    [Fact]
    public async Task AddManifestBatch_RepeatedKeysAfterListingComplete_ThrowsAndKeepsTheStoredRows()
    {
        await using var store = await PostgresStateStore.OpenAsync(await database.NewSchemaUrlAsync(), CancellationToken.None);
        var job = await store.GetOrCreateJobAsync("s3://a", "s3://b", CancellationToken.None);
        var run = await ListedRunAsync(store, job, [Entry("a", 1)], []);

        // A repeated key sends the batch down the staging merge; the closed listing still refuses it.
        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            store.AddManifestBatchAsync(run.Id, StoreSide.Source, [Entry("a", 7), Entry("b", 2)], "b", CancellationToken.None));

        Assert.Equal($"the source listing of run {run.Id} is complete; it takes no more rows", error.Message);
        var rows = await store.SampleManifestAsync(run.Id, StoreSide.Source, 10, 1, CancellationToken.None);
        Assert.Equal(new[] { ("a", 1L) }, rows.Select(r => (r.Key, r.Size)));
        Assert.Null((await store.GetRunAsync(run.Id, CancellationToken.None)).SourceResumeAfter);
    }

    [Fact]
    public async Task OpenAsync_WrongPassword_OneLineWithoutThePassword()
    {
        var url = database.Url.Replace(":heavysync-test@", ":Wr0ng%2Fs3cr3t@", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<StateStoreException>(() => PostgresStateStore.OpenAsync(url, CancellationToken.None));

        Assert.Equal($"state database 127.0.0.1:{new Uri(database.Url).Port}/{database.Database}: authentication failed for user 'heavysync'", error.Message);
        AssertNoSecret(error.Message, "Wr0ng");
    }

    [Fact]
    public async Task OpenAsync_MissingDatabase_OneLineNamingIt()
    {
        var url = database.Server.UrlFor("hs_no_such_database");

        var error = await Assert.ThrowsAsync<StateStoreException>(() => PostgresStateStore.OpenAsync(url, CancellationToken.None));

        Assert.Equal($"state database 127.0.0.1:{new Uri(database.Url).Port}/hs_no_such_database does not exist", error.Message);
        AssertNoSecret(error.Message, "heavysync-test");
    }

    [Fact]
    public async Task OpenAsync_NothingListening_OneLineCannotBeReached()
    {
        var error = await Assert.ThrowsAsync<StateStoreException>(() =>
            PostgresStateStore.OpenAsync("postgres://u:Sup3rS3cret@127.0.0.1:1/db", CancellationToken.None));

        Assert.StartsWith("state database 127.0.0.1:1/db cannot be reached (", error.Message, StringComparison.Ordinal);
        AssertNoSecret(error.Message, "Sup3rS3cret");
    }

    [Theory]
    [InlineData("postgres://u:Sup3rS3cret@/db")]
    [InlineData("postgres://u:Sup3rS3cret@host:notaport/db")]
    [InlineData("postgres://u:Sup3rS3cret@host/db?sslmode=sometimes")]
    [InlineData("postgres://u:Sup3rS3cret@host/db?no_such_parameter=1")]
    [InlineData("mysql://u:Sup3rS3cret@host/db")]
    public void Create_MalformedUrl_OneLineWithoutThePassword(string url)
    {
        var error = Assert.Throws<StateStoreException>(() => PostgresStateStore.Create(url));

        AssertNoSecret(error.Message, "Sup3rS3cret");
        Assert.Contains("***", error.Message, StringComparison.Ordinal);
    }

    private static void AssertNoSecret(string message, string secret)
    {
        Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    private static Process StartPsql(string url)
    {
        var settings = PostgresConnectionString.Parse(url);
        var psql = Directory.GetDirectories("/usr/lib/postgresql").Order().Select(d => Path.Combine(d, "bin", "psql")).Last(File.Exists);
        var start = new ProcessStartInfo(psql, ["-X", "-q", "-A", "-t", "-h", settings.Host!, "-p", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", settings.Username!, "-d", settings.Database!])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPASSWORD"] = settings.Password;
        start.Environment["PGOPTIONS"] = $"-c search_path={settings.SearchPath}";
        return Process.Start(start)!;
    }

    private static async Task<string?> ReadLineUntilAsync(Process process, string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null && line != expected)
        {
        }

        return line;
    }
}
