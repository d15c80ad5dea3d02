using System.Security.Cryptography;
using System.Text;
using HeavySync.Hashing;

namespace HeavySync.Tests.Hashing;

public sealed class ContentHasherTests
{
    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b")]
    public void Md5Hex_Rfc1321Vector_MatchesPublishedDigest(string text, string expected)
    {
        using var hasher = new ContentHasher();
        hasher.Append(Encoding.ASCII.GetBytes(text));
        hasher.Finish();
        Assert.Equal(expected, hasher.Md5Hex);
        Assert.Equal(Convert.FromHexString(expected), hasher.Md5);
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(expected)), hasher.Md5Base64);
    }

    [Fact]
    public void Append_CheckValue_GivesCrc32cToo()
    {
        using var hasher = new ContentHasher();
        hasher.Append(Encoding.ASCII.GetBytes("123456789"));
        hasher.Finish();
        Assert.Equal(0xE3069283u, hasher.Crc32c);
        Assert.Equal(9, hasher.BytesHashed);
    }

    [Fact]
    public void Append_ChunkedInput_EqualsOneShot()
    {
        var random = new Random(1321);
        var data = new byte[100_003];
        random.NextBytes(data);
        using var hasher = new ContentHasher();
        var position = 0;
        while (position < data.Length)
        {
            var length = Math.Min(random.Next(0, 4099), data.Length - position);
            hasher.Append(data.AsSpan(position, length));
            position += length;
        }

        hasher.Finish();
        Assert.Equal(MD5.HashData(data), hasher.Md5);
        Assert.Equal(Crc32c.Compute(data), hasher.Crc32c);
        Assert.Equal(data.Length, hasher.BytesHashed);
    }

    [Fact]
    public void WithoutMd5_GivesTheSameCrc32c_AndRefusesMd5Results()
    {
        using var hasher = new ContentHasher(computeMd5: false);
        hasher.Append(Encoding.ASCII.GetBytes("1234"));
        hasher.Append(Encoding.ASCII.GetBytes("56789"));
        hasher.Finish();

        Assert.False(hasher.ComputesMd5);
        Assert.True(hasher.IsFinished);
        Assert.Equal(0xE3069283u, hasher.Crc32c);
        Assert.Equal(9, hasher.BytesHashed);
        var error = Assert.Throws<InvalidOperationException>(() => hasher.Md5Hex);
        Assert.Contains("computes no MD5", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => hasher.Md5);
        Assert.Throws<InvalidOperationException>(() => hasher.Md5Base64);
        Assert.Throws<InvalidOperationException>(() => hasher.Md5HexSoFar());
    }

    [Fact]
    public void Results_BeforeFinish_Throw()
    {
        using var hasher = new ContentHasher();
        hasher.Append([1, 2, 3]);
        Assert.False(hasher.IsFinished);
        Assert.Throws<InvalidOperationException>(() => hasher.Md5Hex);
        Assert.Throws<InvalidOperationException>(() => hasher.Crc32c);
    }

    [Fact]
    public void Append_AfterFinish_Throws()
    {
        using var hasher = new ContentHasher();
        hasher.Finish();
        Assert.Throws<InvalidOperationException>(() => hasher.Append([1]));
    }

    [Fact]
    public void Finish_Twice_KeepsResults()
    {
        using var hasher = new ContentHasher();
        hasher.Append(Encoding.ASCII.GetBytes("abc"));
        hasher.Finish();
        hasher.Finish();
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", hasher.Md5Hex);
    }

    [Fact]
    public void Results_AfterDispose_StayReadable()
    {
        var hasher = new ContentHasher();
        hasher.Append(Encoding.ASCII.GetBytes("abc"));
        hasher.Finish();
        hasher.Dispose();
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", hasher.Md5Hex);
    }

    [Fact]
    public void Md5_ReturnsCopy()
    {
        using var hasher = new ContentHasher();
        hasher.Finish();
        hasher.Md5[0] ^= 0xFF;
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", hasher.Md5Hex);
    }
}
