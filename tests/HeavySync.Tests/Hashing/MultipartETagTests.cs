using System.Security.Cryptography;
using HeavySync.Hashing;

namespace HeavySync.Tests.Hashing;

public sealed class MultipartETagTests
{
    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;
    private const long TiB = 1024 * GiB;

    [Fact]
    public async Task ComputeForContent_KnownVector_MatchesIndependentComputation()
    {
        // 11 MiB + 17 bytes in 5 MiB parts: two full parts and a 17-byte tail. The expected value
        // was computed independently with Python's hashlib.
        var content = Enumerable.Range(0, (int)(11 * MiB) + 17).Select(i => (byte)(i % 251)).ToArray();
        const int partSize = (int)(5 * MiB);

        var partMd5s = content.Chunk(partSize).Select(part => MD5.HashData(part)).ToArray();
        var independent = Convert.ToHexStringLower(MD5.HashData(partMd5s.SelectMany(md5 => md5).ToArray())) + "-3";

        Assert.Equal("911edaf9459a242951a5fe2b16c8dbbc-3", independent);
        Assert.Equal(independent, MultipartETag.Compute(partMd5s));
        Assert.Equal(independent, MultipartETag.ComputeForContent(new MemoryStream(content), partSize));
        Assert.Equal(independent, await MultipartETag.ComputeForContentAsync(new MemoryStream(content), partSize, CancellationToken.None));
    }

    [Theory]
    [InlineData(3001, 777)]
    [InlineData(3000, 1000)]
    [InlineData(1, 1)]
    [InlineData(200_000, 150_001)]
    public void ComputeForContent_OddPartSizes_MatchesPartByPartMd5(int length, int partSize)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        var partMd5s = content.Chunk(partSize).Select(part => MD5.HashData(part)).ToArray();
        Assert.Equal(MultipartETag.Compute(partMd5s), MultipartETag.ComputeForContent(new MemoryStream(content), partSize));
    }

    [Fact]
    public void Compute_OnePart_IsMd5OfMd5WithSuffixOne()
    {
        var md5 = MD5.HashData("abc"u8);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(md5)) + "-1", MultipartETag.Compute([md5]));
    }

    [Fact]
    public void ComputeForContent_ExactMultipleOfPartSize_HasNoEmptyTailPart()
    {
        var content = new byte[3 * 1000];
        Assert.EndsWith("-3", MultipartETag.ComputeForContent(new MemoryStream(content), 1000));
    }

    [Fact]
    public void ComputeForContent_Empty_IsOneEmptyPart()
    {
        Assert.Equal("59adb24ef3cdbe0297f05b395827453f-1", MultipartETag.ComputeForContent(new MemoryStream(), 1000));
    }

    [Fact]
    public void Compute_NoPartsOrBadDigest_Throws()
    {
        Assert.Throws<ArgumentException>(() => MultipartETag.Compute([]));
        Assert.Throws<ArgumentException>(() => MultipartETag.Compute([new byte[15]]));
    }

    [Theory]
    [InlineData("911edaf9459a242951a5fe2b16c8dbbc-3", true)]
    [InlineData("\"911edaf9459a242951a5fe2b16c8dbbc-10000\"", true)]
    [InlineData("911EDAF9459A242951A5FE2B16C8DBBC-2", true)]
    [InlineData("911edaf9459a242951a5fe2b16c8dbbc", false)]
    [InlineData("\"d41d8cd98f00b204e9800998ecf8427e\"", false)]
    [InlineData("911edaf9459a242951a5fe2b16c8dbbc-", false)]
    [InlineData("911edaf9459a242951a5fe2b16c8dbbc-0", false)]
    [InlineData("911edaf9459a242951a5fe2b16c8dbbc--3", false)]
    [InlineData("zz1edaf9459a242951a5fe2b16c8dbbc-3", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsMultipart_RecognisesForm(string? etag, bool expected)
    {
        Assert.Equal(expected, MultipartETag.IsMultipart(etag));
    }

    [Theory]
    [InlineData(0L, 8 * MiB)]
    [InlineData(1L, 8 * MiB)]
    [InlineData(8 * MiB * 10_000, 8 * MiB)]
    [InlineData((8 * MiB * 10_000) + 1, 9 * MiB)]
    [InlineData(80 * GiB, 9 * MiB)]
    [InlineData(1 * TiB, 105 * MiB)]
    [InlineData(5 * TiB, 525 * MiB)]
    public void ChoosePartSize_Default_SmallestWholeMiBWithinTenThousandParts(long objectSize, long expected)
    {
        var partSize = MultipartETag.ChoosePartSize(objectSize);
        Assert.Equal(expected, partSize);
        Assert.True((objectSize + partSize - 1) / partSize <= 10_000);
    }

    [Fact]
    public void ChoosePartSize_MinimumBelowS3Floor_RaisedToFiveMiB()
    {
        Assert.Equal(5 * MiB, MultipartETag.ChoosePartSize(1, minPartSizeBytes: 1));
    }

    [Fact]
    public void ChoosePartSize_MinimumNotWholeMiB_RoundedUp()
    {
        Assert.Equal(7 * MiB, MultipartETag.ChoosePartSize(1, minPartSizeBytes: (6 * MiB) + 1));
    }

    [Fact]
    public void ChoosePartSize_FewerPartsAllowed_GrowsParts()
    {
        Assert.Equal(100 * MiB, MultipartETag.ChoosePartSize(1000 * MiB, maxParts: 10));
    }

    [Fact]
    public void ChoosePartSize_OverFiveTiB_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MultipartETag.ChoosePartSize((5 * TiB) + 1));
    }

    [Fact]
    public void ChoosePartSize_PartsWouldExceedFiveGiB_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MultipartETag.ChoosePartSize(6 * GiB, maxParts: 1));
    }

    [Theory]
    [InlineData(-1L, 8 * MiB, 10_000)]
    [InlineData(1L, 0L, 10_000)]
    [InlineData(1L, (5 * GiB) + 1, 10_000)]
    [InlineData(1L, 8 * MiB, 0)]
    [InlineData(1L, 8 * MiB, 10_001)]
    public void ChoosePartSize_BadArguments_Throw(long objectSize, long minPartSize, int maxParts)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MultipartETag.ChoosePartSize(objectSize, minPartSize, maxParts));
    }
}
