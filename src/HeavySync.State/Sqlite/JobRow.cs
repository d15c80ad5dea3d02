namespace HeavySync.State.Sqlite;

/// <summary>A <c>jobs</c> row.</summary>
internal sealed class JobRow
{
    public long Id { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? Name { get; set; }
    public string? OptionsJson { get; set; }

    public JobRecord ToRecord() => new(Id, Source, Destination, SqliteRows.Time(CreatedAt)) { Name = Name, OptionsJson = OptionsJson };
}
