using System.Collections.Concurrent;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentDictionary<(string Bucket, string Name), bool> _corrupt = new();

    /// <summary>TEST-ONLY fault: media downloads ignore the Range header and answer the whole object
    /// with 200, as HTTP allows a server to (default false).</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>TEST-ONLY fault: media downloads of this object come with one byte flipped (the
    /// metadata keeps the true hashes), as a corrupting network or disk would.</summary>
    public void CorruptDownloadsOf(string bucket, string name) => _corrupt[(bucket, name)] = true;

    private bool Corrupts(string bucket, string name) => _corrupt.ContainsKey((bucket, name));

    private static byte[] FlipFirstByte(byte[] body)
    {
        if (body.Length > 0)
        {
            body[0] ^= 0x5A;
        }

        return body;
    }
}
