using System.Text;
using HeavySync.Hashing;

namespace HeavySync.Tests.Hashing;

public sealed class Crc32cTests
{
    public static TheoryData<string, byte[], uint> Rfc3720Vectors => new()
    {
        // "123456789" is the customary check value; the rest are RFC 3720 appendix B.4.
        { "check", Encoding.ASCII.GetBytes("123456789"), 0xE3069283u },
        { "32 zeros", new byte[32], 0x8A9136AAu },
        { "32 x 0xFF", Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u },
        { "0..31 ascending", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu },
        { "31..0 descending", Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5Cu },
    };

    [Theory]
    [MemberData(nameof(Rfc3720Vectors))]
    public void Compute_StandardVector_MatchesPublishedValue(string name, byte[] data, uint expected)
    {
        Assert.True(expected == Crc32c.Compute(data), name);
    }

    [Theory]
    [MemberData(nameof(Rfc3720Vectors))]
    public void UpdateSoftware_StandardVector_MatchesPublishedValue(string name, byte[] data, uint expected)
    {
        Assert.True(expected == ~Crc32c.UpdateSoftware(0xFFFFFFFFu, data), name);
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32c.Compute([]));
    }

    [Fact]
    public void HardwareAndSoftware_EveryLengthUpTo100_Agree()
    {
        var random = new Random(3720);
        var buffer = new byte[101];
        random.NextBytes(buffer);
        for (var length = 0; length <= 100; length++)
        {
            // Offset 1 also exercises reads that are not 8-byte aligned.
            var slice = buffer.AsSpan(1, length);
            Assert.Equal(Crc32c.UpdateSoftware(0xFFFFFFFFu, slice), Crc32c.UpdateHardwareOrSoftware(0xFFFFFFFFu, slice));
        }
    }

    [Fact]
    public void HardwareAndSoftware_RandomBuffersAndStates_Agree()
    {
        var random = new Random(82);
        for (var trial = 0; trial < 200; trial++)
        {
            var data = new byte[random.Next(0, 5000)];
            random.NextBytes(data);
            var state = (uint)random.NextInt64(0, 1L << 32);
            Assert.Equal(Crc32c.UpdateSoftware(state, data), Crc32c.UpdateHardwareOrSoftware(state, data));
        }
    }

    [Fact]
    public void Append_ChainedPieces_EqualsOneShot()
    {
        var random = new Random(7);
        var data = new byte[10_000];
        random.NextBytes(data);
        var expected = Crc32c.Compute(data);
        for (var trial = 0; trial < 50; trial++)
        {
            var crc = Crc32c.Compute([]);
            var position = 0;
            while (position < data.Length)
            {
                var length = Math.Min(random.Next(0, 700), data.Length - position);
                crc = Crc32c.Append(crc, data.AsSpan(position, length));
                position += length;
            }

            Assert.Equal(expected, crc);
        }
    }

    [Fact]
    public void Append_ToComputeOfPrefix_EqualsComputeOfWhole()
    {
        var a = Encoding.ASCII.GetBytes("12345");
        var b = Encoding.ASCII.GetBytes("6789");
        Assert.Equal(0xE3069283u, Crc32c.Append(Crc32c.Compute(a), b));
    }

    [Fact]
    public void ToBase64BigEndian_HelloWorld_MatchesGcsForm()
    {
        // crc32c("hello world") = 0xC99465AA; big-endian bytes C9 94 65 AA in base64 are "yZRlqg==",
        // the value GCS shows as the object's crc32c.
        var crc = Crc32c.Compute(Encoding.ASCII.GetBytes("hello world"));
        Assert.Equal(0xC99465AAu, crc);
        Assert.Equal("yZRlqg==", Crc32c.ToBase64BigEndian(crc));
    }

    [Theory]
    [InlineData(0u, "AAAAAA==")]
    [InlineData(0xE3069283u, "4waSgw==")]
    [InlineData(0xFFFFFFFFu, "/////w==")]
    public void FromBase64BigEndian_RoundTrips(uint crc, string base64)
    {
        Assert.Equal(base64, Crc32c.ToBase64BigEndian(crc));
        Assert.Equal(crc, Crc32c.FromBase64BigEndian(base64));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAA")]
    public void FromBase64BigEndian_NotFourBytes_Throws(string text)
    {
        Assert.False(Crc32c.TryFromBase64BigEndian(text, out _));
        Assert.Throws<FormatException>(() => Crc32c.FromBase64BigEndian(text));
    }
}
