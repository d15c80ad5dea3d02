using HeavySync.Engine;

namespace HeavySync.Tests.Engine;

public sealed class KeyFilterTests
{
    [Theory]
    [InlineData("*.log", "a.log", false)]
    [InlineData("*.log", "deep/dir/a.log", false)]
    [InlineData("*.log", "a.log.txt", true)]
    [InlineData("/top.txt", "top.txt", false)]
    [InlineData("/top.txt", "sub/top.txt", true)]
    [InlineData("cache/", "cache/x/y", false)]
    [InlineData("cache/", "mycache/x", true)]
    [InlineData("**/tmp/*", "a/b/tmp/c", false)]
    [InlineData("f?.txt", "f1.txt", false)]
    [InlineData("f?.txt", "f12.txt", true)]
    [InlineData("*.{jpg,png}", "p/x.png", false)]
    [InlineData("[ab]*.txt", "b1.txt", false)]
    [InlineData("[!ab]*.txt", "b1.txt", true)]
    [InlineData("a+b%.txt", "a+b%.txt", false)]
    public void Exclude_Glob_MatchesAsDocumented(string glob, string key, bool passes)
    {
        var filter = new KeyFilter([], [glob]);

        Assert.Equal(passes, filter.Matches(key));
    }

    [Fact]
    public void Include_OnlyMatchingKeysPass_ExcludeWins()
    {
        var filter = new KeyFilter(["*.txt"], ["secret*"]);

        Assert.True(filter.Matches("a/b.txt"));
        Assert.False(filter.Matches("a/b.bin"));
        Assert.False(filter.Matches("secret.txt"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[abc")]
    [InlineData("{a,b")]
    public void Compile_Malformed_FormatException(string glob) =>
        Assert.Throws<FormatException>(() => KeyFilter.Compile(glob));
}
