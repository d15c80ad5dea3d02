namespace HeavySync.Storage;

/// <summary>Operation names reported to <see cref="IRequestObserver.OnRequest"/>, priced alike by providers.</summary>
public static class RequestOperations
{
    /// <summary>Listing a page of keys (or versions, or uploads).</summary>
    public const string List = "LIST";

    /// <summary>Reading an object's or bucket's metadata.</summary>
    public const string Head = "HEAD";

    /// <summary>Reading object bytes.</summary>
    public const string Get = "GET";

    /// <summary>Writing object bytes, including one multipart part and the multipart start/complete calls.</summary>
    public const string Put = "PUT";

    /// <summary>A server-side copy, including one copied part.</summary>
    public const string Copy = "COPY";

    /// <summary>Deleting one object, a batch of objects, or aborting an upload.</summary>
    public const string Delete = "DELETE";
}
