using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;
using X86Sse42 = System.Runtime.Intrinsics.X86.Sse42;

namespace HeavySync.Hashing;

/// <summary>
/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value 0xFFFFFFFF, final XOR
/// 0xFFFFFFFF — the checksum GCS reports as <c>crc32c</c> and S3 as <c>ChecksumCRC32C</c>.
/// Uses the CPU's CRC32 instruction (SSE4.2 on x64, CRC32 on Arm64) when present and a
/// slicing-by-8 table otherwise; both give identical results.
/// </summary>
public static class Crc32c
{
    /// <summary>The reflected Castagnoli polynomial.</summary>
    private const uint Polynomial = 0x82F63B78u;

    // Eight 256-entry tables: Table[k * 256 + b] is the CRC of byte b followed by k zero bytes,
    // which lets the software path fold eight input bytes per step.
    private static readonly uint[] Table = BuildTable();

    /// <summary>Whether <see cref="Compute"/> and <see cref="Append"/> use a CPU instruction.</summary>
    public static bool IsHardwareAccelerated =>
        X86Sse42.X64.IsSupported || ArmCrc32.Arm64.IsSupported;

    /// <summary>The CRC-32C of <paramref name="data"/> (0 for empty input).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a finished CRC-32C over more data: <c>Append(Compute(a), b) == Compute(a + b)</c>.
    /// </summary>
    /// <param name="crc">A finished CRC-32C (as returned by <see cref="Compute"/>; 0 for no data yet).</param>
    /// <param name="data">The bytes that follow.</param>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~UpdateHardwareOrSoftware(~crc, data);

    /// <summary>The CRC-32C as GCS and S3 transmit it: base64 of its four big-endian bytes.</summary>
    public static string ToBase64BigEndian(uint crc)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, crc);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Parses the base64 big-endian form that GCS and S3 use.</summary>
    /// <exception cref="FormatException">The text is not base64 of exactly four bytes.</exception>
    public static uint FromBase64BigEndian(string base64)
    {
        ArgumentNullException.ThrowIfNull(base64);
        return TryFromBase64BigEndian(base64, out var crc)
            ? crc
            : throw new FormatException($"'{base64}' is not a base64-encoded 4-byte CRC-32C.");
    }

    /// <summary>Parses the base64 big-endian form; false when it is not base64 of exactly four bytes.</summary>
    public static bool TryFromBase64BigEndian(string? base64, out uint crc)
    {
        crc = 0;
        // Six bytes of room so that a longer value is reported as "too long" rather than failing to fit.
        Span<byte> bytes = stackalloc byte[6];
        if (base64 is null || !Convert.TryFromBase64String(base64, bytes, out var written) || written != 4)
        {
            return false;
        }

        crc = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }

    /// <summary>Advances a raw (not inverted) CRC state with the fastest path this CPU offers.</summary>
    internal static uint UpdateHardwareOrSoftware(uint state, ReadOnlySpan<byte> data)
    {
        if (X86Sse42.X64.IsSupported)
        {
            return UpdateSse42X64(state, data);
        }

        if (ArmCrc32.Arm64.IsSupported)
        {
            return UpdateArm64(state, data);
        }

        return UpdateSoftware(state, data);
    }

    /// <summary>The table-driven path, exposed so tests can compare it with the hardware path.</summary>
    internal static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data)
    {
        var table = Table;
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = table[(7 * 256) + (int)(low & 0xFF)]
                ^ table[(6 * 256) + (int)((low >> 8) & 0xFF)]
                ^ table[(5 * 256) + (int)((low >> 16) & 0xFF)]
                ^ table[(4 * 256) + (int)(low >> 24)]
                ^ table[(3 * 256) + (int)(high & 0xFF)]
                ^ table[(2 * 256) + (int)((high >> 8) & 0xFF)]
                ^ table[256 + (int)((high >> 16) & 0xFF)]
                ^ table[(int)(high >> 24)];
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = (state >> 8) ^ table[(int)((state ^ b) & 0xFF)];
        }

        return state;
    }

    private static uint UpdateSse42X64(uint state, ReadOnlySpan<byte> data)
    {
        // The instruction consumes little-endian words, which is what x64 memory holds.
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        ulong wide = state;
        foreach (var word in words)
        {
            wide = X86Sse42.X64.Crc32(wide, word);
        }

        state = (uint)wide;
        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            state = X86Sse42.Crc32(state, b);
        }

        return state;
    }

    private static uint UpdateArm64(uint state, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var word in words)
        {
            state = ArmCrc32.Arm64.ComputeCrc32C(state, word);
        }

        foreach (var b in data[(words.Length * sizeof(ulong))..])
        {
            state = ArmCrc32.ComputeCrc32C(state, b);
        }

        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            }

            table[i] = crc;
        }

        for (var k = 1; k < 8; k++)
        {
            for (var i = 0; i < 256; i++)
            {
                var previous = table[((k - 1) * 256) + i];
                table[(k * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }

        return table;
    }
}
