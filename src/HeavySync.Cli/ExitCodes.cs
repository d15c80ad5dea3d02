namespace HeavySync.Cli;

/// <summary>Exit codes users rely on (DESIGN.md §10).</summary>
public static class ExitCodes
{
    /// <summary>Done and in sync.</summary>
    public const int InSync = 0;
    /// <summary>Finished with failed objects (or check mismatches).</summary>
    public const int Failures = 1;
    /// <summary>Usage or configuration error.</summary>
    public const int Usage = 2;
    /// <summary>Refused for safety (delete cap, empty source).</summary>
    public const int Refused = 3;
    /// <summary>Fatal store error (missing bucket, bad credentials).</summary>
    public const int Fatal = 4;
    /// <summary>Interrupted (Ctrl-C); re-running resumes.</summary>
    public const int Interrupted = 130;
}
