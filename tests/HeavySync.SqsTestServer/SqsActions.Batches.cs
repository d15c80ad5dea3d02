using System.Text;
using System.Text.RegularExpressions;

namespace HeavySync.SqsTestServer;

internal sealed partial class SqsActions
{
    private const int MaxBatchEntries = 10;
    private const int MaxBatchBytes = 262_144;

    private object SendMessageBatch(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var entries = CheckedEntries(body, "SendMessageBatchRequestEntry");
        var total = entries.Sum(e => Encoding.UTF8.GetByteCount(e.OptionalString("MessageBody") ?? string.Empty));
        if (total > MaxBatchBytes)
        {
            throw SqsError.Batch("BatchRequestTooLong", $"Batch requests cannot be longer than {MaxBatchBytes} bytes. You have sent {total} bytes.");
        }

        return RunBatch(entries, "SendMessageBatch", entry =>
        {
            var (text, attributes, delay) = ReadMessage(entry, queue);
            return SentAnswer(entry.RequiredString("Id"), queue.Send(text, attributes, delay));
        });
    }

    private object DeleteMessageBatch(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var entries = CheckedEntries(body, "DeleteMessageBatchRequestEntry");
        return RunBatch(entries, "DeleteMessageBatch", entry =>
        {
            queue.Delete(HandleFor(queue, entry.RequiredString("ReceiptHandle")));
            return new { Id = entry.RequiredString("Id") };
        });
    }

    private object ChangeMessageVisibilityBatch(RequestBody body)
    {
        var queue = store.ByUrl(body.OptionalString("QueueUrl"));
        var entries = CheckedEntries(body, "ChangeMessageVisibilityBatchRequestEntry");
        return RunBatch(entries, "ChangeMessageVisibilityBatch", entry =>
        {
            queue.ChangeVisibility(HandleFor(queue, entry.RequiredString("ReceiptHandle")), VisibilityOf(entry));
            return new { Id = entry.RequiredString("Id") };
        });
    }

    /// <summary>The request-level checks every batch action makes: entries present, at most 10, ids valid and distinct.</summary>
    private static IReadOnlyList<RequestBody> CheckedEntries(RequestBody body, string entryShape)
    {
        var entries = body.ObjectList("Entries");
        if (entries.Count == 0)
        {
            throw SqsError.Batch("EmptyBatchRequest", $"There should be at least one {entryShape} in the request.");
        }

        if (entries.Count > MaxBatchEntries)
        {
            throw SqsError.Batch("TooManyEntriesInBatchRequest", $"Maximum number of entries per request are {MaxBatchEntries}. You have sent {entries.Count}.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var id = entry.OptionalString("Id");
            if (id is null || !BatchEntryId().IsMatch(id))
            {
                throw SqsError.Batch("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
            }

            if (!ids.Add(id))
            {
                throw SqsError.Batch("BatchEntryIdsNotDistinct", $"Id {id} repeated.");
            }
        }

        return entries;
    }

    /// <summary>Runs each entry on its own: an entry's error becomes a Failed entry, the others go on.</summary>
    private object RunBatch(IReadOnlyList<RequestBody> entries, string action, Func<RequestBody, object> run)
    {
        var successful = new List<object>();
        var failed = new List<object>();
        foreach (var entry in entries)
        {
            var id = entry.RequiredString("Id");
            if (faults.TakeEntryFault(action))
            {
                failed.Add(new { Id = id, Code = "InternalError", Message = "We encountered an internal error (injected by the test).", SenderFault = false });
                continue;
            }

            try
            {
                successful.Add(run(entry));
            }
            catch (SqsError error)
            {
                failed.Add(new { Id = id, Code = error.QueryCode, error.Message, error.SenderFault });
            }
        }

        return new { Successful = successful, Failed = failed };
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex BatchEntryId();
}
