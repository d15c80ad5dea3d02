using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Telemetry;

namespace HeavySync.Engine;

/// <summary>
/// Publishes a run's pending copy tasks in batched messages (bounded by task count and bytes),
/// paging through the state store so memory stays bounded. Re-publishing after a crash is safe:
/// copiers skip tasks that are already done (invariant 2).
/// </summary>
public sealed class TaskPublisher(IStateStore state, IWorkQueue queue, SyncOptions options)
{
    private const int PageSize = 2_000;

    /// <summary>Publishes every pending copy task of the run; returns the number of tasks published.</summary>
    public async Task<long> PublishPendingAsync(RunRecord run, CancellationToken cancellationToken)
    {
        // OpenTelemetry messaging conventions: one Producer span for the publishing, whose context
        // every message carries (the copiers' "process" spans are its children).
        using var activity = HeavySyncTelemetry.Source.StartActivity("publish", ActivityKind.Producer);
        activity?.SetTag(TelemetryTags.MessagingSystem, "heavysync");
        activity?.SetTag(TelemetryTags.MessagingOperationType, "send");
        activity?.SetTag(TelemetryTags.MessagingOperationName, "publish");
        activity?.SetTag(TelemetryTags.MessagingDestination, "tasks");
        activity?.SetTag(TelemetryTags.Job, run.JobId);
        activity?.SetTag(TelemetryTags.Run, run.Id);
        var traceParent = activity?.Id ?? Activity.Current?.Id;
        long published = 0;
        long afterId = 0;
        var tasks = new List<WorkTask>(options.TasksPerMessage);
        long bytes = 0;
        while (true)
        {
            var page = await state.GetTasksAsync(run.Id, TaskAction.Copy, WorkTaskStatus.Pending, afterId, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            var messages = new List<WorkMessage>();
            foreach (var task in page)
            {
                if (tasks.Count > 0 && (tasks.Count >= options.TasksPerMessage || bytes + task.Size > options.BytesPerMessage))
                {
                    messages.Add(new WorkMessage(run.JobId, run.Id, tasks, traceParent));
                    tasks = new List<WorkTask>(options.TasksPerMessage);
                    bytes = 0;
                }

                tasks.Add(new WorkTask(task.Id, task.Key, task.Size, task.SourceFingerprint, task.Action));
                bytes += task.Size;
            }

            afterId = page[^1].Id;
            published += page.Count;
            await queue.PublishAsync(messages, cancellationToken).ConfigureAwait(false);
        }

        if (tasks.Count > 0)
        {
            await queue.PublishAsync([new WorkMessage(run.JobId, run.Id, tasks, traceParent)], cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("heavysync.tasks", published);
        return published;
    }
}
