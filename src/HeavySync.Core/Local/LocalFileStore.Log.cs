using Microsoft.Extensions.Logging;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    /// <summary>Source-generated log messages. Paths only: never file contents.</summary>
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Skipping symbolic link {Path} (--follow-symlinks follows links)")]
        public static partial void SymlinkSkipped(ILogger logger, string path);

        [LoggerMessage(6, LogLevel.Debug, "Skipping symbolic link {Path}")]
        public static partial void SymlinkSkippedQuietly(ILogger logger, string path);

        [LoggerMessage(7, LogLevel.Warning, "Skipped {Count} symbolic links under {Root} (--follow-symlinks follows links; -vv names them all)")]
        public static partial void SymlinksSkipped(ILogger logger, int count, string root);

        [LoggerMessage(2, LogLevel.Warning, "Skipping symbolic link {Path}: it leads back to {Target}, which is already being listed (a loop)")]
        public static partial void SymlinkLoop(ILogger logger, string path, string target);

        [LoggerMessage(3, LogLevel.Warning, "Skipping symbolic link {Path}: its target does not exist")]
        public static partial void SymlinkDangling(ILogger logger, string path);

        [LoggerMessage(4, LogLevel.Warning, "Cannot read directory {Path}; the listing fails so that nothing is deleted on its strength")]
        public static partial void DirectoryUnreadable(ILogger logger, string path, Exception error);

        [LoggerMessage(8, LogLevel.Information, "Removed {Count} temporary files an interrupted run left under {Root}")]
        public static partial void TempFilesRemoved(ILogger logger, int count, string root);

        [LoggerMessage(9, LogLevel.Warning, "Could not remove temporary file {Path} an interrupted run left")]
        public static partial void OrphanTempFileLeft(ILogger logger, string path, Exception error);

        [LoggerMessage(5, LogLevel.Warning, "Could not remove temporary file {Path} after a failed write")]
        public static partial void TempFileLeft(ILogger logger, string path, Exception error);
    }
}
