namespace HeavySync.SqsTestServer;

/// <summary>A stored message attribute (String, Number or Binary, with optional custom type suffix).</summary>
public sealed record AttributeValue(string DataType, string? StringValue, byte[]? BinaryValue);
