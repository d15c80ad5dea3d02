using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentQueue<RecordedRequest> _recorded = new();

    /// <summary>Every API request received so far (the token endpoint's excepted), in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Recorded => _recorded.ToArray();

    private void Record(HttpListenerRequest request, string path, NameValueCollection query) =>
        _recorded.Enqueue(new RecordedRequest(request.HttpMethod, path, query, request.Headers["Authorization"], request.Headers["Range"], request.Headers["X-Goog-Hash"]));

    /// <summary>One request as the layer received it: method, path, parsed query, and the headers tests look at.</summary>
    public sealed record RecordedRequest(string Method, string Path, NameValueCollection Query, string? Authorization, string? Range, string? GoogHash);
}
