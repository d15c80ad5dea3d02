namespace HeavySync.IntegrationTests.Deploy;

/// <summary>One instruction of a Dockerfile: keyword (upper case), its flags and arguments.</summary>
/// <param name="Keyword">FROM, RUN, COPY...</param>
/// <param name="Flags">Leading <c>--name=value</c> flags (e.g. <c>--from=build</c>, <c>--platform=...</c>).</param>
/// <param name="Arguments">The rest: whitespace-separated words, or the items of a JSON array.</param>
public sealed record DockerInstruction(string Keyword, IReadOnlyDictionary<string, string> Flags, IReadOnlyList<string> Arguments);
