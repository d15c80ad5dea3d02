namespace HeavySync.Storage;

/// <summary>
/// An open read of a whole object together with what the store said about the version being read.
/// The caller owns <see cref="Body"/> and disposes it.
/// </summary>
/// <param name="Entry">The object as the read found it: its size is the number of bytes the body yields.</param>
/// <param name="Body">The object's bytes from the first to the last.</param>
public sealed record ObjectRead(ObjectEntry Entry, Stream Body);
