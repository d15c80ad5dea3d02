using HeavySync.Local;
using HeavySync.Storage;

namespace HeavySync.Tests.Local;

/// <summary>Which keys may become paths below a local root (DESIGN.md §3 invariant 5).</summary>
public sealed class KeySafetyTests
{
    public static TheoryData<string> SafeKeys =>
    [
        "a",
        "a/b/c.txt",
        "ünï/çødé.txt",
        "with space/and more.txt",
        ".hidden",
        "a/.hidden",
        "..dots",
        "dots..",
        "...",
        "a/...b",
        "100%.txt",
        "a+b#c?d&e.txt",
        "ab:c",
        "a/C:x",
        "emoji-😀",
    ];

    public static TheoryData<string, string> UnsafeKeys => new()
    {
        { "", "empty key" },
        { "\0", "NUL character" },
        { "a\0b", "NUL character" },
        { "/abs", "absolute path" },
        { "/", "absolute path" },
        { "\\x", "leading backslash" },
        { "..", "parent directory segment" },
        { "../x", "parent directory segment" },
        { "a/../b", "parent directory segment" },
        { "a/..", "parent directory segment" },
        { ".", "current directory segment" },
        { "./a", "current directory segment" },
        { "a/./b", "current directory segment" },
        { "a//b", "empty path segment" },
        { "a/", "trailing '/' (directory marker)" },
        { "C:", "drive letter" },
        { "C:x", "drive letter" },
        { "c:/x", "drive letter" },
        { "Z:\\x", "drive letter" },
    };

    [Theory]
    [MemberData(nameof(SafeKeys))]
    public void TryValidate_SafeKey_ReturnsTrue(string key)
    {
        Assert.True(KeySafety.TryValidate(key, out var reason), reason);
        Assert.Null(reason);
    }

    [Theory]
    [MemberData(nameof(UnsafeKeys))]
    public void TryValidate_UnsafeKey_ReturnsFalseWithReason(string key, string expectedReason)
    {
        Assert.False(KeySafety.TryValidate(key, out var reason));
        Assert.Equal(expectedReason, reason);
    }

    [Fact]
    public void Validate_ParentSegment_ThrowsPermanentWithOneLineMessage()
    {
        var error = Assert.Throws<StoreException>(() => KeySafety.Validate("../x"));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
        Assert.Equal("unsafe key '../x': parent directory segment", error.Message);
    }

    [Fact]
    public void Validate_ControlCharacters_ShownEscapedOnOneLine()
    {
        var error = Assert.Throws<StoreException>(() => KeySafety.Validate("a\0\nb"));

        Assert.Equal("unsafe key 'a\\u0000\\u000ab': NUL character", error.Message);
    }

    [Theory]
    [InlineData("/data/root", "a/b.txt", "/data/root/a/b.txt")]
    [InlineData("/data/root/", "a/b.txt", "/data/root/a/b.txt")]
    [InlineData("/", "top.txt", "/top.txt")]
    [InlineData("/data/root", "ünï/çødé", "/data/root/ünï/çødé")]
    public void ResolveUnder_SafeKey_ReturnsFullPathBelowRoot(string root, string key, string expected)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The expectations are Unix paths.
        }

        Assert.Equal(expected, KeySafety.ResolveUnder(root, key));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a\0b")]
    public void ResolveUnder_UnsafeKey_ThrowsPermanent(string key)
    {
        var error = Assert.Throws<StoreException>(() => KeySafety.ResolveUnder("/data/root", key));

        Assert.Equal(StoreErrorKind.Permanent, error.Kind);
    }
}
