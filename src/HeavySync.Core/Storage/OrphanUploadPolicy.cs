namespace HeavySync.Storage;

/// <summary>
/// Which incomplete uploads under a destination prefix a run may treat as orphans and abort before
/// it writes (<see cref="IRunMaintenance.PrepareDestinationAsync"/>). Two modes, chosen by who else
/// may be writing to the destination at the same time:
/// <list type="bullet">
/// <item><see cref="SoleWriter"/>: a one-machine <c>heavysync sync</c> that holds the job's lock
/// and copies in its own process. No other process of the job writes, and this process has not
/// started an upload yet, so every upload found is a leftover of an earlier, dead process — however
/// young it is (a sync killed a second ago and re-run at once must still leave no orphan).</item>
/// <item><see cref="SharedWithCopiers"/>: cluster mode (a lister, or <c>sync --queue</c>), where
/// copiers in other processes may be uploading right now and a lister can restart at any time. An
/// upload is an orphan only when it has shown no activity (initiation or a stored part) for
/// <see cref="IdleFor"/>: a live copier completes parts far more often than that, however long its
/// object takes, while a dead copier's upload stops moving the moment it dies.</item>
/// </list>
/// </summary>
public sealed record OrphanUploadPolicy
{
    /// <summary>
    /// The idle time after which a cluster run takes an upload for dead (1 hour). It must exceed the
    /// longest gap between two stored parts of a live upload. That gap is bounded by one part's
    /// retry budget (S3 defaults: 6 attempts of at most 5 minutes plus at most 20 s of backoff each,
    /// about 32 minutes), not by the copier's queue lease: a working copier renews its lease for as
    /// long as the copy runs, so a lease says nothing about how old a live upload may be.
    /// </summary>
    public static readonly TimeSpan DefaultIdle = TimeSpan.FromHours(1);

    private OrphanUploadPolicy(bool soleWriter, TimeSpan idleFor)
    {
        IsSoleWriter = soleWriter;
        IdleFor = idleFor;
    }

    /// <summary>True when the caller is the only writer of the destination (every upload found is an orphan).</summary>
    public bool IsSoleWriter { get; }

    /// <summary>With other writers: how long an upload must have been idle to be aborted (zero for a sole writer).</summary>
    public TimeSpan IdleFor { get; }

    /// <summary>The caller holds the job's lock and writes in-process only: abort every upload found.</summary>
    public static OrphanUploadPolicy SoleWriter() => new(true, TimeSpan.Zero);

    /// <summary>Copiers elsewhere may be uploading: abort only uploads idle for at least <paramref name="idleFor"/>
    /// (default <see cref="DefaultIdle"/>).</summary>
    public static OrphanUploadPolicy SharedWithCopiers(TimeSpan? idleFor = null)
    {
        var idle = idleFor ?? DefaultIdle;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idle, TimeSpan.Zero, nameof(idleFor));
        return new(false, idle);
    }
}
