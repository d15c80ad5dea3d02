using HeavySync.Planning;
using HeavySync.Storage;

namespace HeavySync.Tests.Planning;

/// <summary><see cref="Fingerprint.Format"/> writes what <see cref="Fingerprint.Of"/> returns.</summary>
public sealed class FingerprintTests
{
    public static TheoryData<ObjectEntry> Entries => new()
    {
        new ObjectEntry("k", 5) { ETag = "e", Md5 = "aa", Version = "v" },
        new ObjectEntry("k", long.MaxValue) { ETag = "3858f62230ac3c915f300c664312c63f-12" },
        new ObjectEntry("k", 0) { Md5 = "ABCDEF" },
        new ObjectEntry("k", -1) { Crc32c = uint.MaxValue, Version = "1700000000000000" },
        new ObjectEntry("k", 7) { LastModified = DateTimeOffset.UnixEpoch.AddTicks(-3) },
        new ObjectEntry("k", 0),
        new ObjectEntry("k", 9) { ETag = "é€😀", Version = new string('v', 1_000) },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Format_AnyEntry_WritesTheCharactersOfOf(ObjectEntry entry)
    {
        var buffer = new char[Fingerprint.MaxLength(entry)];

        var written = Fingerprint.Format(entry, buffer);

        Assert.Equal(Fingerprint.Of(entry), new string(buffer, 0, written));
    }

    [Fact]
    public void Format_DestinationShorterThanMaxLength_Throws()
    {
        var entry = new ObjectEntry("k", 5) { ETag = "e" };

        Assert.Throws<ArgumentOutOfRangeException>(() => Fingerprint.Format(entry, new char[Fingerprint.MaxLength(entry) - 1]));
    }
}
