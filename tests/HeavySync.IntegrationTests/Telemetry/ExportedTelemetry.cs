namespace HeavySync.IntegrationTests.Telemetry;

/// <summary>
/// Assertions over what an <see cref="OtlpReceiver"/> got from one or more heavysync processes
/// (one sync, or a lister and its copiers): the trace shape DESIGN.md §7 promises. Reusable for
/// every queue kind: it only looks at span names, kinds and parentage.
/// </summary>
public sealed class ExportedTelemetry(OtlpReceiver receiver)
{
    /// <summary>Spans of HeavySync's own ActivitySource named <paramref name="name"/>.</summary>
    public IReadOnlyList<OtlpSpan> Own(string name) =>
        [.. receiver.Spans.Where(s => s.Scope == "HeavySync" && s.Name == name)];

    /// <summary>
    /// HeavySync's queue spans of <paramref name="operation"/> (publish, receive, process), which
    /// the messaging conventions name <c>OPERATION DESTINATION</c>: asserts each is so named.
    /// </summary>
    public IReadOnlyList<OtlpSpan> Messaging(string operation)
    {
        var spans = receiver.Spans.Where(s => s.Scope == "HeavySync" && Equals(s.Attributes.GetValueOrDefault("messaging.operation.name"), operation)).ToList();
        Assert.All(spans, s => Assert.Equal($"{operation} {s.Attributes.GetValueOrDefault("messaging.destination.name")}", s.Name));
        return spans;
    }

    /// <summary>Every span of the trace <paramref name="traceId"/>, any scope.</summary>
    public IReadOnlyList<OtlpSpan> Trace(string traceId) => [.. receiver.Spans.Where(s => s.TraceId == traceId)];

    /// <summary>
    /// Publish spans are Producers; every process span is a Consumer continuing one of them (child
    /// or link, across processes too); every copy object span is a child of a process span; there
    /// are <paramref name="copies"/> copy spans.
    /// </summary>
    public void AssertPublishReachesEveryCopy(int copies)
    {
        var publishes = Messaging("publish");
        var processes = Messaging("process");
        var copySpans = Own("copy object");
        Assert.NotEmpty(publishes);
        Assert.All(publishes, p => Assert.Equal(OtlpSpanKind.Producer, p.Kind));
        Assert.NotEmpty(processes);
        Assert.All(processes, p =>
        {
            Assert.Equal(OtlpSpanKind.Consumer, p.Kind);
            Assert.True(publishes.Any(p.Continues), $"process span {p} continues no publish span ({string.Join(", ", publishes)})");
        });
        Assert.Equal(copies, copySpans.Count);
        var processIds = processes.Select(p => (p.TraceId, p.SpanId)).ToHashSet();
        Assert.All(copySpans, c => Assert.Contains((c.TraceId, c.ParentSpanId!), processIds));
    }

    /// <summary>Each process span links to the Client-kind receive span that brought its message.</summary>
    public void AssertProcessLinkedToReceive()
    {
        var receives = Messaging("receive");
        Assert.All(receives, r => Assert.Equal(OtlpSpanKind.Client, r.Kind));
        Assert.All(Messaging("process"), p => Assert.Contains(receives, r => p.Links.Contains(new OtlpLink(r.TraceId, r.SpanId))));
    }

    /// <summary>Each copy object span has exactly one verify child.</summary>
    public void AssertVerifyUnderEveryCopy()
    {
        var verifies = Own("verify");
        Assert.All(Own("copy object"), c => Assert.Single(verifies, v => v.TraceId == c.TraceId && v.ParentSpanId == c.SpanId));
    }

    /// <summary>Each copy object span has an HTTP client child span (System.Net.Http) of <paramref name="method"/>.</summary>
    public void AssertHttpChildrenUnderEveryCopy(string method)
    {
        var http = receiver.Spans.Where(s => s.Scope == "System.Net.Http" && s.Kind == OtlpSpanKind.Client).ToList();
        Assert.All(Own("copy object"), c => Assert.Contains(http, h =>
            h.TraceId == c.TraceId && h.ParentSpanId == c.SpanId && Equals(h.Attributes.GetValueOrDefault("http.request.method"), method)));
    }
}
