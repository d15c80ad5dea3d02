namespace HeavySync.Storage;

/// <summary>How the reader of a whole object will take its bytes, so a store can choose how to fetch them.</summary>
public enum ReadPattern
{
    /// <summary>As fast as they come (a file, an upload that sends several parts at once): a large
    /// object may be fetched as ranges in parallel, which beats one connection's throughput.</summary>
    Parallel = 0,

    /// <summary>One request at a time downstream (a GCS resumable upload): one stream, read as it is
    /// consumed. Parallel ranges could not make that faster; they would only add requests and server
    /// work beside the upload.</summary>
    Sequential = 1,
}
