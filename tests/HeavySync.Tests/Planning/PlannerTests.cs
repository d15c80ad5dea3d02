using HeavySync.Planning;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Tests.Planning;

/// <summary>Every rule of DESIGN.md §4, one row each, against the pure planner.</summary>
public sealed class PlannerTests
{
    private static readonly DateTimeOffset T0 = new(2024, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly PlanOptions Checksum = new(CompareMode.Checksum, TimeSpan.FromSeconds(1));
    private static readonly PlanOptions SizeMtime = new(CompareMode.SizeMtime, TimeSpan.FromSeconds(1));
    private static readonly PlanOptions SizeOnly = new(CompareMode.SizeOnly, TimeSpan.Zero);

    private static ObjectEntry E(long size, string? md5 = null, uint? crc = null, string? etag = null, double? seconds = null, string? version = null) =>
        new("k", size) { Md5 = md5, Crc32c = crc, ETag = etag, LastModified = seconds is { } s ? T0.AddSeconds(s) : null, Version = version };

    private static LedgerEntry PairOf(ObjectEntry source, ObjectEntry destination) => new("k", Fingerprint.Of(source), Fingerprint.Of(destination));

    public static TheoryData<string, ObjectEntry?, ObjectEntry?, LedgerEntry?, PlanOptions, PlanAction, PlanReason> Cases()
    {
        var multipart = E(5, etag: "abc-2");
        var gcs = E(5, crc: 9);
        var md5A = E(5, md5: "aa");
        var md5B = E(5, md5: "bb");
        return new()
        {
            { "1 source only", E(1), null, null, Checksum, PlanAction.Copy, PlanReason.SourceOnly },
            { "1 destination only", null, E(1), null, Checksum, PlanAction.DeleteCandidate, PlanReason.DestinationOnly },
            { "1 destination only despite ledger", null, E(1), new LedgerEntry("k", "x", "y"), Checksum, PlanAction.DeleteCandidate, PlanReason.DestinationOnly },
            { "2 ledger pair matches (multipart vs crc)", multipart, gcs, PairOf(multipart, gcs), Checksum, PlanAction.Unchanged, PlanReason.LedgerMatch },
            { "2 ledger beats differing md5", md5A, md5B, PairOf(md5A, md5B), Checksum, PlanAction.Unchanged, PlanReason.LedgerMatch },
            { "2 ledger source stale", multipart, gcs, new LedgerEntry("k", "old", Fingerprint.Of(gcs)), Checksum, PlanAction.Copy, PlanReason.Unsure },
            { "2 ledger destination stale", multipart, gcs, new LedgerEntry("k", Fingerprint.Of(multipart), "old"), Checksum, PlanAction.Copy, PlanReason.Unsure },
            { "2 ledger version differs", E(5, etag: "e", version: "2"), E(5, etag: "e"), PairOf(E(5, etag: "e", version: "1"), E(5, etag: "e")), SizeOnly, PlanAction.Unchanged, PlanReason.SizeEqual },
            { "3 md5 equal", md5A, E(5, md5: "aa"), null, Checksum, PlanAction.UnchangedLearn, PlanReason.HashEqual },
            { "3 md5 equal ignoring case", E(5, md5: "AA"), md5A, null, Checksum, PlanAction.UnchangedLearn, PlanReason.HashEqual },
            { "3 md5 differs", md5A, md5B, null, SizeOnly, PlanAction.Copy, PlanReason.HashDiffers },
            { "3 md5 equal, size differs", md5A, E(6, md5: "aa"), null, Checksum, PlanAction.Copy, PlanReason.HashDiffers },
            { "3 md5 decides before crc32c", E(5, md5: "aa", crc: 1), E(5, md5: "aa", crc: 2), null, Checksum, PlanAction.UnchangedLearn, PlanReason.HashEqual },
            { "3 md5 differs, crc32c equal", E(5, md5: "aa", crc: 1), E(5, md5: "bb", crc: 1), null, Checksum, PlanAction.Copy, PlanReason.HashDiffers },
            { "3 crc32c equal", E(5, crc: 1), E(5, md5: "aa", crc: 1), null, Checksum, PlanAction.UnchangedLearn, PlanReason.HashEqual },
            { "3 crc32c differs", E(5, crc: 1), E(5, crc: 2), null, SizeOnly, PlanAction.Copy, PlanReason.HashDiffers },
            { "3 crc32c equal, size differs", E(5, crc: 1), E(4, crc: 1), null, Checksum, PlanAction.Copy, PlanReason.HashDiffers },
            { "3 etags alone are not hashes", E(5, etag: "e1"), E(5, etag: "e1"), null, Checksum, PlanAction.Copy, PlanReason.Unsure },
            { "4 size differs", E(5, seconds: 0), E(6, seconds: 9), null, SizeMtime, PlanAction.Copy, PlanReason.SizeDiffers },
            { "4 size differs, size-only", E(5), E(6), null, SizeOnly, PlanAction.Copy, PlanReason.SizeDiffers },
            { "5 checksum unsure", E(5, seconds: 0), E(5, seconds: 0), null, Checksum, PlanAction.Copy, PlanReason.Unsure },
            { "5 size-only equal", E(5, seconds: 9), E(5, seconds: 0), null, SizeOnly, PlanAction.Unchanged, PlanReason.SizeEqual },
            { "5 mtime newer beyond tolerance", E(5, seconds: 1.5), E(5, seconds: 0), null, SizeMtime, PlanAction.Copy, PlanReason.SourceNewer },
            { "5 mtime newer by exactly tolerance", E(5, seconds: 1), E(5, seconds: 0), null, SizeMtime, PlanAction.Unchanged, PlanReason.NotNewer },
            { "5 mtime equal", E(5, seconds: 0), E(5, seconds: 0), null, SizeMtime, PlanAction.Unchanged, PlanReason.NotNewer },
            { "5 mtime older", E(5, seconds: 0), E(5, seconds: 30), null, SizeMtime, PlanAction.Unchanged, PlanReason.NotNewer },
            { "5 source mtime unknown", E(5), E(5, seconds: 0), null, SizeMtime, PlanAction.Copy, PlanReason.SourceNewer },
            { "5 destination mtime unknown", E(5, seconds: 0), E(5), null, SizeMtime, PlanAction.Copy, PlanReason.SourceNewer },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Case_FollowsDesignRules(string name, ObjectEntry? source, ObjectEntry? destination, LedgerEntry? ledger, PlanOptions options, PlanAction action, PlanReason reason)
    {
        Assert.True(new PlanDecision(action, reason) == Planner.Decide(source, destination, ledger, options), name);
    }

    [Fact]
    public void Decide_NeitherSide_Throws()
    {
        Assert.Throws<ArgumentException>(() => Planner.Decide(null, null, null, Checksum));
    }

    [Fact]
    public void Fingerprint_Of_UsesStrongestTokenThenVersion()
    {
        Assert.Equal("5:etag:e@v", Fingerprint.Of(E(5, md5: "aa", etag: "e", version: "v")));
        Assert.Equal("5:md5:aa", Fingerprint.Of(E(5, md5: "aa", crc: 1)));
        Assert.Equal("5:crc32c:0000000a", Fingerprint.Of(E(5, crc: 10, seconds: 0)));
        Assert.Equal($"5:mtime:{Fingerprint.UnixTicks(T0)}", Fingerprint.Of(E(5, seconds: 0)));
        Assert.Equal("0:none", Fingerprint.Of(E(0)));
    }
}
