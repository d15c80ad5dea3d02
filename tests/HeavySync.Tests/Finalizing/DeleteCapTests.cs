using HeavySync.Finalizing;

namespace HeavySync.Tests.Finalizing;

public sealed class DeleteCapTests
{
    [Theory]
    [InlineData("500", DeleteCapKind.Count, 500, 0)]
    [InlineData("0", DeleteCapKind.Count, 0, 0)]
    [InlineData(" 42 ", DeleteCapKind.Count, 42, 0)]
    [InlineData("10%", DeleteCapKind.Percent, 0, 10)]
    [InlineData("2.5%", DeleteCapKind.Percent, 0, 2.5)]
    [InlineData("0%", DeleteCapKind.Percent, 0, 0)]
    [InlineData("100%", DeleteCapKind.Percent, 0, 100)]
    [InlineData("12.5 %", DeleteCapKind.Percent, 0, 12.5)]
    public void TryParse_Valid(string text, DeleteCapKind kind, long count, double percent)
    {
        Assert.True(DeleteCap.TryParse(text, out var cap, out var error));
        Assert.Null(error);
        Assert.Equal(kind, cap.Kind);
        Assert.Equal(count, cap.MaxCount);
        Assert.Equal((decimal)percent, cap.MaxPercent);
        Assert.Equal(0, cap.AlwaysAllowedCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("-1%")]
    [InlineData("101%")]
    [InlineData("100.01%")]
    [InlineData("%")]
    [InlineData("10.5")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData("10%%")]
    [InlineData("99999999999999999999")]
    public void TryParse_Invalid_ExplainsWhy(string? text)
    {
        Assert.False(DeleteCap.TryParse(text, out var cap, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.StartsWith("--max-delete", error);
        Assert.Equal(DeleteCap.Default, cap);
    }

    [Theory]
    [InlineData("500", "500")]
    [InlineData("2.50%", "2.5%")]
    [InlineData("10%", "10%")]
    public void ToString_IsTheValueAsTyped(string text, string expected)
    {
        Assert.True(DeleteCap.TryParse(text, out var cap, out _));
        Assert.Equal(expected, cap.ToString());
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(6, 100)]
    [InlineData(1000, 100)]
    [InlineData(1009, 100)]
    [InlineData(1010, 101)]
    [InlineData(6000, 600)]
    [InlineData(1_000_000_000, 100_000_000)]
    public void Default_LimitIsMaxOfHundredAndTenPercent(long destinationCount, long expected)
    {
        Assert.Equal(expected, DeleteCap.Default.LimitFor(destinationCount));
    }

    [Fact]
    public void Default_StructValue_AllowsNoDeletion()
    {
        Assert.Equal(0, default(DeleteCap).LimitFor(1000));
    }

    [Theory]
    // Default cap: small trees behave like plain sync; big deletions are refused.
    [InlineData(null, 5, 6, 1, false, DeleteOutcome.Allowed)]
    [InlineData(null, 100, 100, 1, false, DeleteOutcome.Allowed)]
    [InlineData(null, 101, 150, 49, false, DeleteOutcome.RefusedCap)]
    [InlineData(null, 600, 6000, 5400, false, DeleteOutcome.Allowed)]
    [InlineData(null, 601, 6000, 5400, false, DeleteOutcome.RefusedCap)]
    [InlineData(null, 0, 6000, 0, false, DeleteOutcome.Allowed)]
    // Empty source: refused unless forced, even when the cap would allow it.
    [InlineData(null, 6, 6, 0, false, DeleteOutcome.RefusedEmptySource)]
    [InlineData("100%", 6000, 6000, 0, false, DeleteOutcome.RefusedEmptySource)]
    [InlineData(null, 6, 6, 0, true, DeleteOutcome.Allowed)]
    [InlineData(null, 6000, 6000, 0, true, DeleteOutcome.RefusedCap)]
    [InlineData("100%", 6000, 6000, 0, true, DeleteOutcome.Allowed)]
    // Explicit caps mean exactly what they say.
    [InlineData("10%", 5, 6, 1, false, DeleteOutcome.RefusedCap)]
    [InlineData("90%", 5000, 6000, 1000, false, DeleteOutcome.Allowed)]
    [InlineData("5000", 5000, 6000, 1000, false, DeleteOutcome.Allowed)]
    [InlineData("4999", 5000, 6000, 1000, false, DeleteOutcome.RefusedCap)]
    [InlineData("0", 1, 6000, 5999, false, DeleteOutcome.RefusedCap)]
    [InlineData("0%", 0, 6000, 6000, false, DeleteOutcome.Allowed)]
    [InlineData("33.3%", 1998, 6000, 4002, false, DeleteOutcome.Allowed)]
    [InlineData("33.3%", 1999, 6000, 4001, false, DeleteOutcome.RefusedCap)]
    public void Evaluate_Table(string? capText, long deleteCount, long destinationCount, long sourceCount, bool allowEmptySource, DeleteOutcome expected)
    {
        var cap = Parse(capText);
        var decision = cap.Evaluate(deleteCount, destinationCount, sourceCount, allowEmptySource);
        Assert.Equal(expected, decision.Outcome);
        Assert.Equal(expected == DeleteOutcome.Allowed, decision.IsAllowed);
        Assert.Equal(expected == DeleteOutcome.Allowed, decision.Reason is null);
    }

    [Theory]
    [InlineData(null, 5000, 6000, 1000, "refusing to delete 5000 of 6000 destination objects (83%): over --max-delete 10%; rerun with --max-delete 90% or --no-delete")]
    [InlineData(null, 6000, 6000, 0, "source lists no objects; refusing to delete all 6000 destination objects without --allow-empty-source")]
    [InlineData("1000", 5000, 6000, 1000, "refusing to delete 5000 of 6000 destination objects (83%): over --max-delete 1000; rerun with --max-delete 5000 or --no-delete")]
    [InlineData("1%", 150, 10_000, 9850, "refusing to delete 150 of 10000 destination objects (1%): over --max-delete 1%; rerun with --max-delete 2% or --no-delete")]
    [InlineData("0%", 3, 10_000, 9997, "refusing to delete 3 of 10000 destination objects (<1%): over --max-delete 0%; rerun with --max-delete 1% or --no-delete")]
    [InlineData("10%", 5, 6, 1, "refusing to delete 5 of 6 destination objects (83%): over --max-delete 10%; rerun with --max-delete 90% or --no-delete")]
    [InlineData(null, 5999, 6000, 1, "refusing to delete 5999 of 6000 destination objects (99%): over --max-delete 10%; rerun with --max-delete 100% or --no-delete")]
    public void Evaluate_Refused_ExplainsInOneLine(string? capText, long deleteCount, long destinationCount, long sourceCount, string expected)
    {
        var decision = Parse(capText).Evaluate(deleteCount, destinationCount, sourceCount, allowEmptySource: false);
        Assert.Equal(expected, decision.Reason);
    }

    [Fact]
    public void Evaluate_SuggestedCap_WouldAllowTheRun()
    {
        for (long deleteCount = 101; deleteCount <= 6000; deleteCount += 97)
        {
            var decision = DeleteCap.Default.Evaluate(deleteCount, 6000, 6000 - deleteCount, allowEmptySource: false);
            if (decision.IsAllowed)
            {
                continue;
            }

            var suggested = decision.Reason!.Split("rerun with --max-delete ")[1].Split(' ')[0];
            Assert.True(DeleteCap.TryParse(suggested, out var cap, out _));
            Assert.True(cap.Evaluate(deleteCount, 6000, 6000 - deleteCount, allowEmptySource: false).IsAllowed, suggested);
        }
    }

    [Theory]
    [InlineData(-1, 10, 10)]
    [InlineData(1, -1, 10)]
    [InlineData(1, 10, -1)]
    [InlineData(11, 10, 10)]
    public void Evaluate_InconsistentCounts_Throw(long deleteCount, long destinationCount, long sourceCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeleteCap.Default.Evaluate(deleteCount, destinationCount, sourceCount, false));
    }

    private static DeleteCap Parse(string? text)
    {
        if (text is null)
        {
            return DeleteCap.Default;
        }

        Assert.True(DeleteCap.TryParse(text, out var cap, out var error), error);
        return cap;
    }
}
