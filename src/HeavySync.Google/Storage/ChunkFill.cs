using System.Net;

namespace HeavySync.Google.Storage;

/// <summary>
/// The first chunk of a resumable upload, read from the source into its buffer while it is already
/// being sent: the read starts beside the session's start, and the chunk's request sends each slice
/// as soon as it is in the buffer (<see cref="Content"/>). Without it the upload waited for the
/// session and then for a whole chunk (16 MiB) from the source before its first byte went out;
/// later chunks already overlap (the next chunk is read while the current one is sent).
/// The buffer holds the whole chunk once <see cref="Completion"/> ends, so a failed send is retried
/// from it as any other chunk's.
/// </summary>
internal sealed class ChunkFill
{
    private readonly object gate = new();
    private readonly byte[] buffer;
    private readonly int length;
    private int filled;
    private Exception? failure;
    private TaskCompletionSource advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChunkFill(HashingChunkReader reader, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        this.buffer = buffer;
        this.length = length;
        Completion = ReadAsync(reader, cancellationToken);
    }

    /// <summary>The chunk's length, once every byte of it was read; the source's failure otherwise.</summary>
    public Task<int> Completion { get; }

    /// <summary>Starts reading <paramref name="length"/> bytes from <paramref name="reader"/> into
    /// <paramref name="buffer"/> (from offset 0), a slice at a time.</summary>
    public static ChunkFill Start(HashingChunkReader reader, byte[] buffer, int length, CancellationToken cancellationToken) =>
        new(reader, buffer, length, cancellationToken);

    /// <summary>The chunk's request body: the buffer, sent as the reader fills it.</summary>
    public HttpContent Content() => new FillingContent(this);

    /// <summary>Waits for the whole chunk, whatever became of its read (the reader is free afterwards).</summary>
    public async Task SettleAsync()
    {
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch
        {
            // Reported by whoever awaits Completion for its result.
        }
    }

    private async Task<int> ReadAsync(HashingChunkReader reader, CancellationToken cancellationToken)
    {
        await Task.Yield(); // Start returns at once; the read runs beside the caller.
        try
        {
            // Sixteen slices a chunk (1 MiB of a 16 MiB chunk), none under 16 KiB.
            var sliceBytes = Math.Clamp(length / 16, 16 * 1024, 1024 * 1024);
            var done = 0;
            while (done < length)
            {
                var slice = Math.Min(sliceBytes, length - done);
                await reader.ReadAsync(buffer.AsMemory(done, slice), cancellationToken).ConfigureAwait(false);
                done += slice;
                Advance(done, null);
            }

            return length;
        }
        catch (Exception ex)
        {
            Advance(filled, ex);
            throw;
        }
    }

    private void Advance(int to, Exception? error)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            filled = to;
            failure ??= error;
            wake = advanced;
            advanced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
    }

    /// <summary>How many bytes are in the buffer, once more than <paramref name="sent"/> are.</summary>
    private async Task<int> WaitBeyondAsync(int sent, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (filled > sent)
                {
                    return filled;
                }

                if (failure is not null)
                {
                    // Ends the request: the send fails, and the source's error is what the upload reports.
                    throw new IOException("the source failed while its chunk was being sent", failure);
                }

                wait = advanced.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class FillingContent(ChunkFill fill) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var sent = 0;
            while (sent < fill.length)
            {
                var upTo = await fill.WaitBeyondAsync(sent, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(fill.buffer.AsMemory(sent, upTo - sent), cancellationToken).ConfigureAwait(false);
                sent = upTo;
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = fill.length;
            return true;
        }
    }
}
