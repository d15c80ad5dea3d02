using HeavySync.Storage;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    /// <inheritdoc />
    /// <remarks>
    /// A missing file (or a missing directory on its path) is <see cref="StoreErrorKind.NotFound"/>
    /// ("vanished"); permission problems are <see cref="StoreErrorKind.Permanent"/>; other I/O errors,
    /// also while reading the returned stream, are <see cref="StoreErrorKind.Transient"/>.
    /// Reading past the end of the file yields no bytes.
    /// </remarks>
    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested, nameof(length));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var path = KeySafety.ResolveUnder(_root, key);
        FileStream file;
        try
        {
            // Unbuffered: the engine reads in large blocks, and a second buffer would only copy bytes.
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.SequentialScan,
                BufferSize = 0,
            });
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            // Opening a directory reports "access denied"; a directory is not an object.
            throw new StoreException(StoreErrorKind.NotFound, $"object vanished: {key}");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw LocalErrors.ForRead(error, key, path);
        }

        try
        {
            if (offset > 0)
            {
                file.Seek(offset, SeekOrigin.Begin);
            }
        }
        catch (IOException error)
        {
            file.Dispose();
            throw LocalErrors.ForRead(error, key, path);
        }

        return Task.FromResult<Stream>(new LocalReadStream(file, length ?? long.MaxValue, path));
    }
}
