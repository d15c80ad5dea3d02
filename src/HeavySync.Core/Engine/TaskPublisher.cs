using System.Diagnostics;
using HeavySync.Queue;
using HeavySync.State;
using HeavySync.Telemetry;

namespace HeavySync.Engine;

/// <summary>
/// Publishes a run's pending copy tasks in batched messages (bounded by task count and bytes),
/// paging through the state store so memory stays bounded. Re-publishing after a crash is safe:
/// copiers skip tasks that are already done (invariant 2). For a durable queue the publisher saves a
/// checkpoint after each page, so a restarted publisher does not send the same tasks again.
/// </summary>
public sealed class TaskPublisher(IStateStore state, IWorkQueue queue, SyncOptions options)
{
    private const int PageSize = 2_000;

    /// <summary>
    /// Publishes the run's pending copy tasks; returns the number published. With
    /// <paramref name="durableQueue"/> it starts after the run's saved checkpoint and advances it;
    /// otherwise (an in-process queue that died with the last process) it publishes every pending task.
    /// </summary>
    public async Task<long> PublishPendingAsync(RunRecord run, CancellationToken cancellationToken, bool durableQueue = false)
    {
        // OpenTelemetry messaging conventions: one Producer span for the publishing, whose context
        // every message carries (the copiers' "process" spans are its children).
        using var activity = MessagingSpans.Start(queue.Messaging, "publish", "send", ActivityKind.Producer);
        activity?.SetTag(TelemetryTags.Job, run.JobId);
        activity?.SetTag(TelemetryTags.Run, run.Id);
        var traceParent = activity?.Id ?? Activity.Current?.Id;
        long published = 0;
        long afterId = durableQueue ? run.PublishedThrough : 0;
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

                tasks.Add(new WorkTask(task.Id, task.Key, task.Size, task.SourceFingerprint, task.Action) { ExpectedDestination = task.ExpectedDestination });
                bytes += task.Size;
            }

            afterId = page[^1].Id;
            published += await PublishAsync(run, messages, durableQueue, cancellationToken).ConfigureAwait(false);
        }

        if (tasks.Count > 0)
        {
            published += await PublishAsync(run, [new WorkMessage(run.JobId, run.Id, tasks, traceParent)], durableQueue, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("heavysync.tasks", published);
        return published;
    }

    private async Task<long> PublishAsync(RunRecord run, List<WorkMessage> messages, bool durableQueue, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return 0;
        }

        await queue.PublishAsync(messages, cancellationToken).ConfigureAwait(false);
        if (durableQueue)
        {
            // Only after the queue has the messages: a crash in between re-sends them (harmless),
            // never skips them.
            await state.SetPublishCheckpointAsync(run.Id, messages[^1].Tasks[^1].TaskId, cancellationToken).ConfigureAwait(false);
        }

        return messages.Sum(m => (long)m.Tasks.Count);
    }
}
