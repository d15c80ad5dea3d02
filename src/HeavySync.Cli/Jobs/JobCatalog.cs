using HeavySync.Cli.Commands;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.State;

namespace HeavySync.Cli.Jobs;

/// <summary>Validates job definitions and stores them (create, or update a file-defined job's options).</summary>
internal static class JobCatalog
{
    /// <summary>Settings keys a job may carry: the sync options and the per-side location settings.</summary>
    public static IReadOnlySet<string> AllowedKeys { get; } = AllowedSettings();

    /// <summary>Checks a definition as a sync of it would, before anything is stored.</summary>
    public static void Validate(JobDefinition job, CliSettings baseSettings)
    {
        if (job.Name.Length > 200 || job.Name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new UsageException($"job name '{job.Name}' must be non-blank, without spaces or control characters, at most 200 characters");
        }

        var unknown = job.Settings.Keys.Select(k => k.Split(':')[0]).FirstOrDefault(k => !AllowedKeys.Contains(k));
        if (unknown is not null)
        {
            throw new UsageException($"job '{job.Name}': unknown option '{unknown}' (known: {string.Join(", ", AllowedKeys.Order(StringComparer.Ordinal))})");
        }

        var source = CliHost.ParseLocation(job.Source, $"job '{job.Name}' source");
        var destination = CliHost.ParseLocation(job.Destination, $"job '{job.Name}' destination");
        if (source.Canonical == destination.Canonical)
        {
            throw new UsageException($"job '{job.Name}': source and destination are the same location");
        }

        _ = SyncSettings.Bind(baseSettings.ForJob(job.Settings));
    }

    /// <summary>
    /// Stores <paramref name="job"/>. With <paramref name="update"/>, an existing job of that name
    /// and pair gets the new options (applying the same file twice is harmless).
    /// </summary>
    public static async Task<(JobRecord Job, bool Created)> SaveAsync(IStateStore state, JobDefinition job, bool update, CancellationToken cancellationToken)
    {
        var source = CliHost.ParseLocation(job.Source, "source").Canonical;
        var destination = CliHost.ParseLocation(job.Destination, "destination").Canonical;
        var json = JobSettingsJson.Serialize(job.Settings);
        if (update && await state.FindJobByNameAsync(job.Name, cancellationToken) is { } existing)
        {
            if (existing.Source != source || existing.Destination != destination)
            {
                throw new UsageException($"job '{job.Name}' already exists with {existing.Source} -> {existing.Destination}; delete it first to change its locations");
            }

            await state.UpdateJobOptionsAsync(existing.Id, json, cancellationToken);
            return (await state.GetJobAsync(existing.Id, cancellationToken), false);
        }

        return (await state.CreateNamedJobAsync(job.Name, source, destination, json, cancellationToken), true);
    }

    /// <summary>The job called <paramref name="name"/>, or a usage error naming the known jobs.</summary>
    public static async Task<JobRecord> FindAsync(IStateStore state, string name, CancellationToken cancellationToken)
    {
        if (await state.FindJobByNameAsync(name, cancellationToken) is { } job)
        {
            return job;
        }

        var names = (await state.ListJobsAsync(cancellationToken)).Select(j => j.Name).OfType<string>().ToList();
        throw new UsageException($"no job named '{name}'" + (names.Count == 0 ? "; create one with 'heavysync job create'" : $" (jobs: {string.Join(", ", names.Take(10))})"));
    }

    private static HashSet<string> AllowedSettings()
    {
        var shared = new SharedOptions(withState: false);
        SyncSettings.AddOptions(shared);
        return shared.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}
