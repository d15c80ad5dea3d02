using System.Globalization;
using System.Text;
using HeavySync.Storage;

namespace HeavySync.Google.Storage;

public sealed partial class GcsObjectStore
{
    /// <summary>Rewrite calls one copy may take: a bound on the loop, far above what any object needs.</summary>
    private const int MaxRewriteCalls = 100_000;

    /// <inheritdoc />
    /// <remarks>True for another GCS store on the same endpoint with the same credentials: only then
    /// can one objects.rewrite read the source and write the destination.</remarks>
    public bool CanCopyFrom(IObjectStore source) => source is GcsObjectStore other && other._connection.Identity == _connection.Identity;

    /// <inheritdoc />
    /// <remarks>objects.rewrite, called again with the <c>rewriteToken</c> until it answers done (large
    /// objects or different locations or storage classes take several calls). The source generation
    /// pins what is copied (<c>ifSourceGenerationMatch</c>); metadata (mtime) comes along. A source
    /// replaced meanwhile is <see cref="StoreErrorKind.PreconditionFailed"/>.</remarks>
    public async Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceEntry);
        ArgumentNullException.ThrowIfNull(destinationKey);
        if (source is not GcsObjectStore from || !CanCopyFrom(source))
        {
            throw new ArgumentException($"{Location} cannot copy server-side from {source?.Location}", nameof(source));
        }

        string? token = null;
        for (var call = 0; call < MaxRewriteCalls; call++)
        {
            var uri = RewriteUri(from, sourceEntry, destinationKey, token);
            var answer = await SendJsonAsync(
                RequestOperations.Copy,
                Describe("COPY", destinationKey),
                () => Request(HttpMethod.Post, uri),
                GcsJsonContext.Default.GcsRewriteResponse,
                cancellationToken).ConfigureAwait(false);
            if (answer.Done)
            {
                var stored = answer.Resource ?? throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite finished without the object");
                var entry = ToEntry(stored);
                if (entry.Size != sourceEntry.Size)
                {
                    throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: copied {entry.Size} bytes, the source has {sourceEntry.Size}");
                }

                return entry;
            }

            token = answer.RewriteToken ?? throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite not done and no rewriteToken");
        }

        throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite not done after {MaxRewriteCalls} calls");
    }

    private Uri RewriteUri(GcsObjectStore from, ObjectEntry sourceEntry, string destinationKey, string? token)
    {
        var query = new StringBuilder("fields=").Append(Uri.EscapeDataString($"done,rewriteToken,totalBytesRewritten,resource({ObjectFields})"));
        if (sourceEntry.Version is { } generation)
        {
            query.Append("&ifSourceGenerationMatch=").Append(Uri.EscapeDataString(generation));
        }

        if (_options.MaxBytesRewrittenPerCall is { } perCall)
        {
            query.Append("&maxBytesRewrittenPerCall=").Append(perCall.ToString(CultureInfo.InvariantCulture));
        }

        AppendParameter(query, "rewriteToken", token);
        var source = from.ObjectUri(from._bucket, from.FullKey(sourceEntry.Key), string.Empty);
        var destination = $"b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(FullKey(destinationKey))}";
        return new Uri($"{source}/rewriteTo/{destination}?{query}");
    }
}
