using System.Globalization;
using System.Text;

namespace HeavySync.IntegrationTests.Faults;

/// <summary>Reads HTTP/1.1 heads and bodies from a stream, keeping the exact bytes for forwarding.</summary>
internal sealed class HttpMessageReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Reads a head (start line and headers, through the blank line); null at a clean end of stream.</summary>
    public async Task<HttpHead?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var raw = new MemoryStream();
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(raw, cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return raw.Length == 0 ? null : throw new IOException("connection closed inside an HTTP head");
            }

            if (line.Length == 0)
            {
                if (lines.Count == 0)
                {
                    continue;
                }

                return new HttpHead(lines[0], lines.Skip(1).ToList(), raw.ToArray());
            }

            lines.Add(line);
        }
    }

    /// <summary>Reads a body framed by Content-Length or chunked encoding (or until close) and returns its raw bytes.</summary>
    public async Task<byte[]> ReadBodyAsync(HttpHead head, bool bodyless, CancellationToken cancellationToken)
    {
        var raw = new MemoryStream();
        if (bodyless)
        {
            return [];
        }

        if (string.Equals(head.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var sizeLine = await ReadLineAsync(raw, cancellationToken).ConfigureAwait(false) ?? throw new IOException("connection closed inside a chunked body");
                var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, then the blank line.
                    while ((await ReadLineAsync(raw, cancellationToken).ConfigureAwait(false) ?? string.Empty).Length > 0)
                    {
                    }

                    return raw.ToArray();
                }

                await CopyAsync(raw, size + 2, cancellationToken).ConfigureAwait(false);
            }
        }

        if (head.Header("Content-Length") is { } length)
        {
            await CopyAsync(raw, long.Parse(length, CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            return raw.ToArray();
        }

        if (head.IsRequest)
        {
            return [];
        }

        // A response without framing ends when the server closes the connection.
        while (await FillAsync(cancellationToken).ConfigureAwait(false))
        {
            raw.Write(_buffer, _start, _end - _start);
            _start = _end;
        }

        return raw.ToArray();
    }

    private async Task CopyAsync(MemoryStream target, long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException("connection closed inside a body");
            }

            var n = (int)Math.Min(count, _end - _start);
            target.Write(_buffer, _start, n);
            _start += n;
            count -= n;
        }
    }

    private async Task<string?> ReadLineAsync(MemoryStream raw, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var b = _buffer[_start++];
            raw.WriteByte(b);
            if (b == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)b);
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}

/// <summary>A parsed HTTP head and its exact bytes.</summary>
internal sealed record HttpHead(string StartLine, IReadOnlyList<string> Headers, byte[] Raw)
{
    public bool IsRequest => !StartLine.StartsWith("HTTP/", StringComparison.Ordinal);

    public string Method => StartLine.Split(' ')[0];

    /// <summary>The request target (path and query) of a request head.</summary>
    public string Target => StartLine.Split(' ') is { Length: > 1 } parts ? parts[1] : string.Empty;

    public int Status => int.Parse(StartLine.Split(' ')[1], CultureInfo.InvariantCulture);

    public string? Header(string name)
    {
        foreach (var header in Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && header.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return header[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
