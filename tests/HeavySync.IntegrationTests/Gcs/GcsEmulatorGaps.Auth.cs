using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;

namespace HeavySync.IntegrationTests.Gcs;

public sealed partial class GcsEmulatorGaps
{
    private readonly ConcurrentDictionary<string, int> _authorizations = new(StringComparer.Ordinal);
    private long _tokenRequests;

    /// <summary>The access token the fake OAuth endpoint hands out.</summary>
    public const string TestAccessToken = "heavysync-test-access-token";

    /// <summary>A token_uri for test service-account files: a fake OAuth 2.0 token endpoint that
    /// answers every JWT-bearer grant with <see cref="TestAccessToken"/> (signatures are not checked).</summary>
    public string TokenUri => Endpoint + "/token";

    /// <summary>Token requests received.</summary>
    public long TokenRequests => Interlocked.Read(ref _tokenRequests);

    /// <summary>Authorization headers seen on API requests, with their counts ("" for none).</summary>
    public IReadOnlyDictionary<string, int> Authorizations => _authorizations;

    private readonly ConcurrentDictionary<string, int> _refused = new(StringComparer.Ordinal);

    /// <summary>TEST-ONLY: API requests whose Authorization header is <paramref name="authorization"/>
    /// are answered <paramref name="status"/> (401: the token is not valid; 403: valid, but without
    /// access to the bucket), as GCS answers a revoked token or a missing role.</summary>
    public void Refuse(string authorization, int status) => _refused[authorization] = status;

    /// <summary>Answers a refused authorization; false when the request may go on.</summary>
    private async Task<bool> RefusedAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        if (!_refused.TryGetValue(request.Headers["Authorization"] ?? string.Empty, out var status))
        {
            return false;
        }

        await ErrorAsync(response, status, status == 401 ? "authError" : "forbidden", status == 401 ? "Invalid Credentials" : "The caller does not have storage.objects.list access to the bucket.");
        return true;
    }

    private void NoteAuthorization(HttpListenerRequest request) =>
        _authorizations.AddOrUpdate(request.Headers["Authorization"] ?? string.Empty, 1, (_, n) => n + 1);

    private async Task TokenAsync(HttpListenerRequest request, HttpListenerResponse response)
    {
        Interlocked.Increment(ref _tokenRequests);
        var form = System.Web.HttpUtility.ParseQueryString(await new StreamReader(request.InputStream).ReadToEndAsync());
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || string.IsNullOrEmpty(form["assertion"]))
        {
            await JsonAsync(response, 400, new JsonObject { ["error"] = "invalid_grant" });
            return;
        }

        await JsonAsync(response, 200, new JsonObject { ["access_token"] = TestAccessToken, ["expires_in"] = 3600, ["token_type"] = "Bearer" });
    }
}
