using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;

namespace HeavySync.Google.Storage;

/// <summary>Adds the OAuth2 bearer token (and quota-project header) of Google credentials to every
/// request; the credential caches and refreshes the token itself.</summary>
internal sealed class GcsAuthHandler(ITokenAccessWithHeaders credential, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await credential.GetAccessTokenWithHeadersForRequestAsync(request.RequestUri?.ToString(), cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);

        // Extra headers the credential asks for (x-goog-user-project for a quota project).
        token.AddHeaders(request);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
