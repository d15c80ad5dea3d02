namespace HeavySync.State;

/// <summary>Which of a job's two exclusive roles a lock guards (<see cref="IStateStore.TryLockJobAsync"/>).</summary>
public enum JobLockKind
{
    /// <summary>Lists and plans the job's runs.</summary>
    Lister = 1,

    /// <summary>Finishes the job's runs (deletes, report).</summary>
    Finalizer = 2,
}
