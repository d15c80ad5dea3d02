namespace HeavySync.Aws.Sqs.Protocol;

/// <summary>A message attribute as the API reference shapes it (<c>MessageAttributeValue</c>); only
/// String and Number attributes are used here.</summary>
public sealed record MessageAttributeValue(string DataType, string? StringValue);
