namespace HeavySync.IntegrationTests.Deploy;

/// <summary>A build stage: its base image, its name and its instructions.</summary>
public sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions);
