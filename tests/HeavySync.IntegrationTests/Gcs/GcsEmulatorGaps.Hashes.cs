namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private static readonly uint[] Crc32cTable = BuildCrc32cTable();

    /// <summary>The CRC32C (Castagnoli) register after <paramref name="data"/>, from
    /// <paramref name="crc"/> (0xFFFFFFFF to start). The layer's own: it stands in for the server,
    /// so it does not borrow the client's implementation. The CPU's CRC32C instruction where there
    /// is one (a byte-at-a-time table costs a second of the CPU the benchmarks share for a 256 MiB
    /// upload), else the table.</summary>
    private static uint Crc32cUpdate(uint crc, ReadOnlySpan<byte> data)
    {
        if (System.Runtime.Intrinsics.X86.Sse42.X64.IsSupported)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = System.Runtime.Intrinsics.X86.Sse42.X64.Crc32(wide, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            crc = (uint)wide;
        }

        foreach (var b in data)
        {
            crc = Crc32cTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    /// <summary>The CRC32C of content whose register is <paramref name="crc"/>, as GCS shows it:
    /// base64 of the big-endian value.</summary>
    private static string Crc32cBase64(uint crc)
    {
        crc ^= 0xFFFFFFFFu;
        return Convert.ToBase64String([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
    }

    private static uint[] BuildCrc32cTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
