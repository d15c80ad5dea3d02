namespace HeavySync.SqsTestServer;

/// <summary>What an injected whole-request failure looks like.</summary>
public enum InjectedFault
{
    /// <summary>HTTP 400 <c>ThrottlingException</c> / query code <c>RequestThrottled</c>, as SQS throttles.</summary>
    Throttle,

    /// <summary>HTTP 500 <c>InternalError</c>.</summary>
    InternalError,
}
