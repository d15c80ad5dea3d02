using HeavySync.Storage;

namespace HeavySync.IntegrationTests.S3;

/// <summary>Yields <paramref name="content"/> and runs <paramref name="trigger"/> once, when the
/// reader first passes <paramref name="triggerAt"/> bytes (e.g. to cancel a write mid-stream).</summary>
public sealed class TriggerStream(byte[] content, int triggerAt, Action trigger) : ReadOnlyStream
{
    private int _position;
    private bool _fired;

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (!_fired && _position >= triggerAt)
        {
            _fired = true;
            trigger();
        }

        var n = Math.Min(count, content.Length - _position);
        Array.Copy(content, _position, buffer, offset, n);
        _position += n;
        return n;
    }
}
