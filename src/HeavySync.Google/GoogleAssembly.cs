namespace HeavySync.Google;

/// <summary>
/// Google Cloud providers: the GCS store (JSON API) and the Pub/Sub queue (REST v1), both over the
/// authorised HTTP client of Google.Apis.Auth. The official Cloud client libraries do not restore
/// from this environment's registry, so these are focused clients written from the API references.
/// </summary>
internal static class GoogleAssembly
{
}
