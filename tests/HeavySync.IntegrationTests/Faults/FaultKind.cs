namespace HeavySync.IntegrationTests.Faults;

/// <summary>What <see cref="FaultInjectingProxy"/> can do to one request.</summary>
public enum FaultKind
{
    /// <summary>Answer 503 SlowDown (S3's throttling error) without forwarding.</summary>
    SlowDown,

    /// <summary>Answer 500 InternalError without forwarding.</summary>
    InternalError,

    /// <summary>Forward the request, then reset the connection before any response byte.</summary>
    ResetBeforeResponse,

    /// <summary>Forward, send the headers and part of the body, then reset the connection.</summary>
    ResetMidResponse,

    /// <summary>Forward, send the headers (full Content-Length) and part of the body, then close cleanly.</summary>
    TruncatedBody,

    /// <summary>Forward, then hold the response back for <see cref="FaultOptions.SlowResponseDelay"/>.</summary>
    SlowResponse,

    /// <summary>Forward, send the headers and part of the body, then send nothing more until the
    /// client gives up. Never part of <see cref="FaultOptions.Uniform"/>: only clients with a short
    /// body timeout survive it quickly.</summary>
    StalledBody,

    /// <summary>Answer 429 Too Many Requests with <c>Retry-After: 1</c> without forwarding (GCS's
    /// throttling answer). Not part of <see cref="FaultOptions.Uniform"/>.</summary>
    TooManyRequests,

    /// <summary>Answer 408 Request Timeout without forwarding (a server that gave up waiting for the
    /// request). Not part of <see cref="FaultOptions.Uniform"/>.</summary>
    RequestTimeout,
}
