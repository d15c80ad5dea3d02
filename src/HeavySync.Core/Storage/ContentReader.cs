namespace HeavySync.Storage;

/// <summary>
/// Reads the content stream of a <see cref="IObjectStore.WriteAsync"/> for stores that buffer it:
/// a stream shorter or longer than the declared length, or one that fails, becomes a
/// <see cref="StoreErrorKind.Transient"/> <see cref="StoreException"/> (the copier retries the
/// object from a fresh read).
/// </summary>
public static class ContentReader
{
    /// <summary>Fills <paramref name="buffer"/> as far as the content goes; returns how many (fewer only at the end of the content).</summary>
    public static async Task<int> FillAsync(string key, Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var total = 0;
        try
        {
            while (total < buffer.Length)
            {
                var read = await content.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (Exception ex) when (ex is not StoreException and not OperationCanceledException)
        {
            throw new StoreException(StoreErrorKind.Transient, $"reading the content for '{key}' failed: {ex.GetType().Name}", ex);
        }

        return total;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length; a shorter content fails the write.</summary>
    public static async Task ReadExactlyAsync(string key, Stream content, Memory<byte> buffer, long declaredLength, CancellationToken cancellationToken)
    {
        var read = await FillAsync(key, content, buffer, cancellationToken).ConfigureAwait(false);
        if (read < buffer.Length)
        {
            throw new StoreException(StoreErrorKind.Transient, $"the content for '{key}' ended before its declared {declaredLength} bytes");
        }
    }

    /// <summary>The content must end here: one byte more fails the write.</summary>
    public static async Task EnsureEndedAsync(string key, Stream content, long declaredLength, CancellationToken cancellationToken)
    {
        var probe = new byte[1];
        if (await FillAsync(key, content, probe, cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new StoreException(StoreErrorKind.Transient, $"the content for '{key}' is longer than the declared {declaredLength} bytes");
        }
    }
}
