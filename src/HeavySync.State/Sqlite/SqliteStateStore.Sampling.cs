using System.Text;
using Dapper;
using HeavySync.Storage;
using Microsoft.Data.Sqlite;

namespace HeavySync.State.Sqlite;

public sealed partial class SqliteStateStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Each row is ranked by a seeded hash of its key and the lowest <paramref name="count"/> ranks are
    /// kept: a uniform sample that is the same for the same seed and keys. SQLite keeps only the top
    /// <paramref name="count"/> rows while sorting, so memory stays bounded by the sample size.
    /// </remarks>
    public Task<IReadOnlyList<ObjectEntry>> SampleManifestAsync(long runId, StoreSide side, int count, int seed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return UseAsync<IReadOnlyList<ObjectEntry>>(c => c.Query<ManifestRow>(
            $"SELECT {SqliteRows.ManifestColumns} FROM manifest WHERE run_id = @runId AND side = @side " +
            "ORDER BY hs_sample_rank(key, @seed), key LIMIT @count",
            new { runId, side = (long)side, seed = (long)seed, count }).Select(r => r.ToEntry()).ToList(), cancellationToken);
    }

    private static void RegisterFunctions(SqliteConnection connection) =>
        connection.CreateFunction<string, long, long>("hs_sample_rank", SampleRank, isDeterministic: true);

    /// <summary>FNV-1a over the key's UTF-8 bytes from a seed-derived basis, then a SplitMix64 finish
    /// so that nearby keys and seeds spread over the whole range. Stable across processes.</summary>
    internal static long SampleRank(string key, long seed)
    {
        const ulong prime = 1099511628211;
        var hash = 14695981039346656037UL ^ Mix((ulong)seed);
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(key.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(key, buffer)]
            : Encoding.UTF8.GetBytes(key);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * prime;
        }

        return (long)Mix(hash);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
