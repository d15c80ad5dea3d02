using System.Diagnostics;
using System.IO.Enumeration;
using HeavySync.Storage;

namespace HeavySync.Local;

public sealed partial class LocalFileStore
{
    /// <summary>Temporary files a listing may remember for <see cref="PrepareDestinationAsync"/>; past
    /// this many, the cleanup walks the tree itself instead of holding the paths in memory.</summary>
    private const int RememberedTempFiles = 10_000;

    private static readonly EnumerationOptions WholeTree = new()
    {
        RecurseSubdirectories = true,
        IgnoreInaccessible = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        ReturnSpecialDirectories = false,
    };

    private readonly Lock _tempFilesLock = new();
    private readonly List<string> _tempFilesSeen = [];
    private bool _tooManyTempFiles;
    private bool _walkedWholeTree;

    /// <inheritdoc />
    /// <remarks>
    /// A write goes to <c>.heavysync-tmp-…</c> beside its target and is renamed over it, so a killed
    /// process leaves its in-flight writes behind as temporary files. Listing never shows them, so no
    /// later run would copy over or delete them: they are removed here, before this run writes. When
    /// this process listed the whole tree, the listing noted them and nothing is walked again; a run
    /// resumed in its copying phase (its listing done by the killed process) walks the tree once.
    /// Which files count as orphans follows <paramref name="policy"/>: for a sole writer every one
    /// older than this process; with copiers elsewhere, those unmodified for
    /// <see cref="OrphanUploadPolicy.IdleFor"/> (a live write touches its file with every block).
    /// </remarks>
    public Task PrepareDestinationAsync(OrphanUploadPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        List<string>? noted = null;
        lock (_tempFilesLock)
        {
            if (_walkedWholeTree && !_tooManyTempFiles)
            {
                noted = [.. _tempFilesSeen];
            }
        }

        if (noted is null && !Directory.Exists(_root))
        {
            return Task.CompletedTask;
        }

        var cutoff = policy.IsSoleWriter ? ProcessStart() : DateTime.UtcNow - policy.IdleFor;
        var removed = 0;
        foreach (var path in noted ?? FindTempFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryRemoveOrphan(path, cutoff))
            {
                removed++;
            }
        }

        if (removed > 0)
        {
            Log.TempFilesRemoved(_logger, removed, _root);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>A file system keeps no versions: nothing to prune.</remarks>
    public Task<long> PruneNoncurrentVersionsAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) => Task.FromResult(0L);

    private static DateTime ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return self.StartTime.ToUniversalTime();
    }

    /// <summary>Called when a walk of the whole tree ended: the temporary files it noted are all there are.</summary>
    private void NoteWholeTreeWalked()
    {
        lock (_tempFilesLock)
        {
            _walkedWholeTree = true;
        }
    }

    private void NoteTempFile(string path)
    {
        lock (_tempFilesLock)
        {
            if (_tempFilesSeen.Count < RememberedTempFiles)
            {
                _tempFilesSeen.Add(path);
            }
            else
            {
                _tooManyTempFiles = true;
            }
        }
    }

    /// <summary>Every temporary file under the root; links are not followed (our writes never go through one).</summary>
    private IEnumerable<string> FindTempFiles() =>
        new FileSystemEnumerable<string>(_root, static (ref FileSystemEntry entry) => entry.ToFullPath(), WholeTree)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) =>
                !entry.IsDirectory && entry.FileName.StartsWith(TempPrefix, StringComparison.Ordinal),
        };

    /// <summary>Removes the file when it was last written before <paramref name="cutoff"/>; a file
    /// already gone (its writer finished or cleaned up) is not an error.</summary>
    private bool TryRemoveOrphan(string path, DateTime cutoff)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.LastWriteTimeUtc >= cutoff)
            {
                return false;
            }

            info.Delete();
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Log.OrphanTempFileLeft(_logger, path, error);
            return false;
        }
    }
}
