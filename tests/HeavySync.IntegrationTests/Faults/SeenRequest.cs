namespace HeavySync.IntegrationTests.Faults;

/// <summary>One request as <see cref="FaultInjectingProxy"/> received it (no body).</summary>
/// <param name="Method">GET, PUT, ...</param>
/// <param name="Target">The request target: path and query.</param>
/// <param name="Host">The Host header.</param>
/// <param name="Authorization">The Authorization header (SigV4: credential scope and signature; never the secret).</param>
/// <param name="Fault">The fault injected into it, if any.</param>
public sealed record SeenRequest(string Method, string Target, string? Host, string? Authorization, FaultKind? Fault);
