using HeavySync.Local;
using HeavySync.Storage;

namespace HeavySync.Tests.Local;

/// <summary>How file-system failures become store error kinds (by type and error code, never by text).</summary>
public sealed class LocalErrorsTests
{
    [Fact]
    public void ForWrite_NoSpaceLeft_IsFatal()
    {
        var error = LocalErrors.ForWrite(new IOException("No space left on device", OperatingSystem.IsWindows() ? unchecked((int)0x80070070) : 28), "/x/y");

        Assert.Equal(StoreErrorKind.Fatal, error.Kind);
        Assert.Equal("disk full writing /x/y", error.Message);
    }

    [Fact]
    public void IsDiskFull_RealWriteToDevFull_Recognised()
    {
        if (!File.Exists("/dev/full"))
        {
            return; // Linux only: /dev/full answers every write with ENOSPC.
        }

        var error = Assert.ThrowsAny<IOException>(() =>
        {
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            full.Write(new byte[16]);
        });

        Assert.True(LocalErrors.IsDiskFull(error), $"HResult {error.HResult} not recognised as disk full");
    }

    [Theory]
    [InlineData(typeof(FileNotFoundException), StoreErrorKind.NotFound)]
    [InlineData(typeof(DirectoryNotFoundException), StoreErrorKind.NotFound)]
    [InlineData(typeof(UnauthorizedAccessException), StoreErrorKind.Permanent)]
    [InlineData(typeof(IOException), StoreErrorKind.Transient)]
    public void ForRead_ExceptionType_MapsToKind(Type exceptionType, StoreErrorKind expected)
    {
        var error = LocalErrors.ForRead((Exception)Activator.CreateInstance(exceptionType, "boom")!, "k", "/r/k");

        Assert.Equal(expected, error.Kind);
    }

    [Fact]
    public void ForRead_MultiLineCause_MessageIsOneLine()
    {
        var error = LocalErrors.ForRead(new IOException("first\nsecond"), "k", "/r/k");

        Assert.DoesNotContain('\n', error.Message);
    }
}
