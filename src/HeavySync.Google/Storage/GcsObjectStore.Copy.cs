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
    public Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, CancellationToken cancellationToken) =>
        CopyFromAsync(source, sourceEntry, destinationKey, null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>objects.rewrite, called again with the <c>rewriteToken</c> (and the same parameters,
    /// <c>maxBytesRewrittenPerCall</c> included) until it answers done: large objects or different
    /// locations or storage classes take several calls. The source generation pins what is copied
    /// (<c>ifSourceGenerationMatch</c>): a source replaced meanwhile is
    /// <see cref="StoreErrorKind.PreconditionFailed"/>. <paramref name="expected"/> becomes
    /// <c>ifGenerationMatch</c> on the destination, refused as for <see cref="WriteAsync"/>.
    /// Metadata (mtime) comes along.</remarks>
    public async Task<ObjectEntry> CopyFromAsync(IObjectStore source, ObjectEntry sourceEntry, string destinationKey, ExpectedDestination? expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceEntry);
        ArgumentNullException.ThrowIfNull(destinationKey);
        if (source is not GcsObjectStore from || !CanCopyFrom(source))
        {
            throw new ArgumentException($"{Location} cannot copy server-side from {source?.Location}", nameof(source));
        }

        expected = _rejectedWrites.Effective(FullKey(destinationKey), expected);
        string? token = null;
        for (var call = 0; call < MaxRewriteCalls; call++)
        {
            var uri = RewriteUri(from, sourceEntry, destinationKey, expected, token);
            GcsRewriteResponse answer;
            try
            {
                answer = await SendJsonAsync(
                    RequestOperations.Copy,
                    Describe("COPY", destinationKey),
                    () => Request(HttpMethod.Post, uri),
                    GcsJsonContext.Default.GcsRewriteResponse,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StoreException ex) when (ex.Kind == StoreErrorKind.PreconditionFailed && expected is not null)
            {
                if (!await DestinationRefusedAsync(from, sourceEntry, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }

                return await ResolveWriteConflictAsync("COPY", destinationKey, sourceEntry.Size, sourceEntry.Md5, sourceEntry.Crc32c, expected, ex, cancellationToken).ConfigureAwait(false);
            }

            if (answer.Done)
            {
                var stored = answer.Resource ?? throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite finished without the object");
                var entry = ToEntry(stored);
                if (entry.Size != sourceEntry.Size)
                {
                    _rejectedWrites.Note(FullKey(destinationKey), expected, stored.Generation);
                    throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: copied {entry.Size} bytes, the source has {sourceEntry.Size}");
                }

                return entry;
            }

            token = answer.RewriteToken ?? throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite not done and no rewriteToken");
        }

        throw new StoreException(StoreErrorKind.Transient, $"{Describe("COPY", destinationKey)}: rewrite not done after {MaxRewriteCalls} calls");
    }

    /// <summary>A rewrite's 412 names no side: it is the destination's when the source is still the
    /// listed generation (a replaced source stays <see cref="StoreErrorKind.PreconditionFailed"/>).</summary>
    private static async Task<bool> DestinationRefusedAsync(GcsObjectStore from, ObjectEntry sourceEntry, CancellationToken cancellationToken) =>
        sourceEntry.Version is null || (await from.StatAsync(sourceEntry.Key, cancellationToken).ConfigureAwait(false))?.Version == sourceEntry.Version;

    private Uri RewriteUri(GcsObjectStore from, ObjectEntry sourceEntry, string destinationKey, ExpectedDestination? expected, string? token)
    {
        var query = new StringBuilder("fields=").Append(Uri.EscapeDataString($"done,rewriteToken,totalBytesRewritten,resource({ObjectFields})"));
        if (sourceEntry.Version is { } generation)
        {
            query.Append("&ifSourceGenerationMatch=").Append(Uri.EscapeDataString(generation));
        }

        query.Append(GenerationMatch(expected));
        if (_options.MaxBytesRewrittenPerCall is { } perCall)
        {
            query.Append("&maxBytesRewrittenPerCall=").Append(perCall.ToString(CultureInfo.InvariantCulture));
        }

        AppendParameter(query, "rewriteToken", token);
        var source = $"{from.BucketPath(from._bucket)}/o/{Uri.EscapeDataString(from.FullKey(sourceEntry.Key))}";
        var destination = $"b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(FullKey(destinationKey))}";
        return new Uri($"{source}/rewriteTo/{destination}{Query(query.ToString())}");
    }
}
