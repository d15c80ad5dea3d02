using HeavySync.Storage;

namespace HeavySync.Local;

/// <summary>Translates file-system exceptions into <see cref="StoreErrorKind"/>s, by exception type and error code.</summary>
internal static class LocalErrors
{
    /// <summary>True when the OS reports the disk (or the quota) as full: nothing further can be written.</summary>
    public static bool IsDiskFull(IOException error)
    {
        if (OperatingSystem.IsWindows())
        {
            // ERROR_HANDLE_DISK_FULL (39), ERROR_DISK_FULL (112).
            return (error.HResult & 0xFFFF) is 39 or 112;
        }

        // On Unix .NET puts the raw errno in HResult: ENOSPC 28; EDQUOT 122 on Linux, 69 on macOS.
        return error.HResult == 28 || (OperatingSystem.IsLinux() ? error.HResult == 122 : error.HResult == 69);
    }

    /// <summary>Classifies a failure to open or read an existing file.</summary>
    public static StoreException ForRead(Exception error, string key, string path) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => new(StoreErrorKind.NotFound, $"object vanished: {key}", error),
        UnauthorizedAccessException => new(StoreErrorKind.Permanent, $"permission denied: {path}", error),
        _ => new(StoreErrorKind.Transient, $"cannot read {path}: {OneLine(error.Message)}", error),
    };

    /// <summary>Classifies a failure to create, write or rename a file.</summary>
    public static StoreException ForWrite(Exception error, string path) => error switch
    {
        UnauthorizedAccessException => new(StoreErrorKind.Permanent, $"permission denied: {path}", error),
        IOException io when IsDiskFull(io) => new(StoreErrorKind.Fatal, $"disk full writing {path}", error),
        _ => new(StoreErrorKind.Transient, $"cannot write {path}: {OneLine(error.Message)}", error),
    };

    /// <summary>Classifies a failure to delete a file.</summary>
    public static StoreException ForDelete(Exception error, string path) => error switch
    {
        UnauthorizedAccessException => new(StoreErrorKind.Permanent, $"permission denied: {path}", error),
        _ => new(StoreErrorKind.Transient, $"cannot delete {path}: {OneLine(error.Message)}", error),
    };

    /// <summary>Store messages are one line (StoreException's contract).</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
