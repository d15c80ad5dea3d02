using System.Text;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Tests.Queue;

/// <summary>The wire form of work messages is persisted on queues: pinned by a golden file.</summary>
public sealed class WorkMessageCodecTests
{
    private static readonly string GoldenPath = Path.Join(AppContext.BaseDirectory, "Queue", "Golden", "work-message-v1.json");

    private static WorkMessage Sample => new(
        JobId: 42,
        RunId: 7,
        Tasks:
        [
            new WorkTask(1001, "photos/2024/ünï çødé+100%.jpg", 5_000_000_000, "5000000000:etag:9b2cf535f27731c974343645a3985328-2", TaskAction.Copy)
            {
                ExpectedDestination = ExpectedDestination.AtVersion("1712345678901234"),
            },
            new WorkTask(1002, "old/gone.txt", 0, null, TaskAction.Delete) { ExpectedDestination = ExpectedDestination.AtVersion("42") },
            new WorkTask(1003, "new.txt", 7, "7:md5:0cc175b9c0f1b6a831c399e269772661", TaskAction.Copy) { ExpectedDestination = ExpectedDestination.Absent },
            new WorkTask(1004, "local/dst.txt", 7, "7:md5:0cc175b9c0f1b6a831c399e269772661", TaskAction.Copy),
        ],
        TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

    [Fact]
    public void EncodeString_SampleMessage_MatchesGoldenFileExactly()
    {
        var expected = File.ReadAllText(GoldenPath);

        var actual = WorkMessageCodec.EncodeString(Sample) + "\n";

        if (actual != expected)
        {
            // Left beside the test output so a deliberate format change can be reviewed and copied in.
            File.WriteAllText(GoldenPath + ".actual", actual);
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Decode_GoldenFile_ReturnsTheSampleMessage()
    {
        var decoded = WorkMessageCodec.Decode(File.ReadAllBytes(GoldenPath));

        Assert.Equal(Sample.JobId, decoded.JobId);
        Assert.Equal(Sample.RunId, decoded.RunId);
        Assert.Equal(Sample.TraceParent, decoded.TraceParent);
        Assert.Equal(1, decoded.Version);
        Assert.Equal(Sample.Tasks, decoded.Tasks);
    }

    [Fact]
    public void Encode_Bytes_SameAsString()
    {
        Assert.Equal(WorkMessageCodec.EncodeString(Sample), Encoding.UTF8.GetString(WorkMessageCodec.Encode(Sample)));
    }

    [Fact]
    public void Decode_NewerVersion_ThrowsFormatException()
    {
        var json = WorkMessageCodec.EncodeString(Sample).Replace("\"v\":1", "\"v\":2", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => WorkMessageCodec.Decode(Encoding.UTF8.GetBytes(json)));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_MessageOfAnEarlierBuild_CarriesNoDestinationExpectation()
    {
        // Written before tasks carried what the destination listing saw: still version 1, still read.
        const string earlier = "{\"job\":1,\"run\":2,\"tasks\":[{\"id\":3,\"key\":\"k\",\"size\":1,\"sourceFingerprint\":\"1:md5:x\",\"action\":\"copy\"}],\"v\":1}";

        var decoded = WorkMessageCodec.Decode(Encoding.UTF8.GetBytes(earlier));

        Assert.Null(Assert.Single(decoded.Tasks).ExpectedDestination);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"job\":1,")]
    [InlineData("null")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"job\":1,\"run\":2,\"v\":1}")]
    [InlineData("{\"job\":\"one\",\"run\":2,\"tasks\":[],\"v\":1}")]
    public void Decode_Garbage_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => WorkMessageCodec.Decode(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Decode_InvalidUtf8_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => WorkMessageCodec.Decode(new byte[] { 0xFF, 0xFE, 0x7B }));
    }
}
