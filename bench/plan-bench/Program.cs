// plan-bench: the real cluster lister over synthetic listings on Postgres (bench/plan-bench.sh runs it).
//
//   plan-bench --postgres URL [--objects 1000000] [--runs 2] [--batch 1000 (HEAVYSYNC_LISTING_BATCH)]
//
// Each run is one `heavysync lister` pass — ListerRole: job lock, new run, both listings streamed into
// the state by binary COPY in batches (10,000 rows or 1 s), the set-based plan, publishing the copy tasks to the
// Postgres queue — then the planned tasks and the ledger are checked row by row against the in-memory
// planner, and the run is closed (as a finalizer would; nothing is copied). Run 1 starts with an empty
// ledger; later runs over the same listings start with the pairs run 1 learned, the steady state of
// a job that syncs again and again. Prints a Markdown table; exit 1 when a plan is wrong.
using System.Diagnostics;
using System.Globalization;
using HeavySync.Bench.Plan;
using HeavySync.Engine;
using HeavySync.Planning;
using HeavySync.State;
using HeavySync.State.Postgres;
using HeavySync.State.Postgres.Queue;
using HeavySync.Storage;
using Microsoft.Extensions.Logging.Abstractions;

string? url = Environment.GetEnvironmentVariable("HEAVYSYNC_BENCH_POSTGRES_URL");
var objects = 1_000_000;
var runs = 2;
var batch = new SyncOptions().ListingBatchSize;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--postgres" when value is not null: url = value; i++; break;
        case "--objects" when int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0 && n % 100 == 0: objects = n; i++; break;
        case "--runs" when int.TryParse(value, CultureInfo.InvariantCulture, out var r) && r > 0: runs = r; i++; break;
        case "--batch" when int.TryParse(value, CultureInfo.InvariantCulture, out var b) && b > 0: batch = b; i++; break;
        default:
            Console.Error.WriteLine($"plan-bench: bad argument '{args[i]}' (usage: plan-bench --postgres URL [--objects N (multiple of 100)] [--runs R] [--batch ROWS])");
            return 2;
    }
}

if (string.IsNullOrEmpty(url))
{
    Console.Error.WriteLine("plan-bench: give --postgres URL (or HEAVYSYNC_BENCH_POSTGRES_URL)");
    return 2;
}

var token = CancellationToken.None;
var space = new SyntheticKeySpace(objects);
var expectation = new PlanExpectation(space, new PlanOptions(CompareMode.Checksum, TimeSpan.Zero));
await using var store = await PostgresStateStore.OpenAsync(url, token);
await using var queue = PostgresWorkQueue.Create(store, new PostgresQueueOptions());
var job = await store.GetOrCreateJobAsync("synthetic://source", "synthetic://destination", token);
await using var context = new JobContext(job, new SyntheticStore(space, StoreSide.Source), new SyntheticStore(space, StoreSide.Destination), new SyncOptions { ListingBatchSize = batch });
var verifier = new PlanVerifier(store.DataSource, expectation);
var cpu = new CpuMeter((int)await ScalarAsync(store, "SELECT pg_backend_pid()", null));
using var clock = new PhaseClock(cpu);
var wrong = false;

Console.WriteLine($"{objects:N0} source × {objects:N0} destination keys ({2L * objects:N0} rows listed per run); batches of {context.Options.ListingBatchSize:N0} rows; compare {context.Options.Compare}");
Console.WriteLine();
Console.WriteLine("| run | ledger rows at start | listing s | ingest rows/s | listing CPU s (lister + Postgres) | plan s | plan CPU s (Postgres) | publish s | lister pass s | copy tasks | delete candidates | unchanged | plan verified | lister peak RSS MB | load avg 1m |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (var number = 1; number <= runs; number++)
{
    var ledgerKnown = number > 1;
    var ledgerAtStart = await ScalarAsync(store, "SELECT COUNT(*) FROM ledger WHERE job_id = $1", job.Id);
    var load = ProcessMemory.LoadAverage();
    clock.Reset();
    GC.Collect();
    var peakReset = ProcessMemory.ResetPeak();

    var startCpu = cpu.Read();
    var started = DateTime.UtcNow;
    var watch = Stopwatch.StartNew();
    var result = await new ListerRole(store, queue, NullLoggerFactory.Instance).RunAsync(context, new SyncProgress(), token);
    var pass = watch.Elapsed;
    var peak = ProcessMemory.PeakBytes();
    var run = result.Run ?? throw new InvalidOperationException($"lister pass {number} did not run ({result.Outcome})");
    var listing = (clock.PlanStarted ?? throw new InvalidOperationException("no plan span seen")) - started;
    var listed = 2L * objects;
    var listingCpu = clock.PlanStartCpu - startCpu;
    var planCpu = clock.PlanEndCpu - clock.PlanStartCpu;

    // Correctness: totals, every task and every ledger row as the in-memory planner decides them.
    var want = expectation.Summary(ledgerKnown);
    var problems = new List<string>();
    if (run.Plan != want)
    {
        problems.Add($"plan summary {run.Plan}, expected {want}");
    }

    if (result.Published != want.CopyObjects)
    {
        problems.Add($"published {result.Published} copy tasks, expected {want.CopyObjects}");
    }

    problems.AddRange(await verifier.CheckTasksAsync(run.Id, ledgerKnown, token));
    problems.AddRange(await verifier.CheckLedgerAsync(job.Id, token));
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"plan-bench: run {number}: {problem}");
    }

    wrong |= problems.Count > 0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {number} | {ledgerAtStart:N0} | {listing.TotalSeconds:F2} | {listed / listing.TotalSeconds:N0} | " +
        $"{listingCpu.Client.TotalSeconds:F1} + {Server(listingCpu)} | {clock.Plan.TotalSeconds:F2} | {Server(planCpu)} | " +
        $"{clock.Publish.TotalSeconds:F2} | {pass.TotalSeconds:F2} | {run.Plan!.CopyObjects:N0} | {run.Plan.DeleteObjects:N0} | {run.Plan.UnchangedObjects:N0} | " +
        $"{(problems.Count == 0 ? "yes" : "**NO**")} | {(peakReset ? "" : "≤ ")}{peak / 1048576.0:F0} | {load} |"));

    // Closed as a finalizer would close it (its manifests stay until the next run finishes, as
    // RunFinisher leaves them), so the next pass starts a new run.
    await store.SetRunPhaseAsync(run.Id, RunPhase.Done, "closed by plan-bench without copying", token);
}

// Diagnostics after the timed passes, so their allocations are not in the lister's peak.
var generationCpu = Environment.CpuUsage.TotalTime;
var generation = Stopwatch.StartNew();
long generated = 0;
foreach (var side in new[] { context.Source, context.Destination })
{
    await foreach (var entry in side.ListAsync(null, token))
    {
        generated += entry.Size > 0 ? 1 : 0;
    }
}

generation.Stop();
generationCpu = Environment.CpuUsage.TotalTime - generationCpu;
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Generating the {generated:N0} synthetic entries alone (no ingest, one thread): {generation.Elapsed.TotalSeconds:F2} s, CPU {generationCpu.TotalSeconds:F2} s. " +
    $"Per-side time inside the state store's batch calls, last run: source {clock.PageTime("Source").TotalSeconds:F2} s, destination {clock.PageTime("Destination").TotalSeconds:F2} s."));
var manifestMb = await ScalarAsync(store, "SELECT pg_total_relation_size('manifest') / 1048576", null);
var ledgerMb = await ScalarAsync(store, "SELECT pg_total_relation_size('ledger') / 1048576", null);
var tasksMb = await ScalarAsync(store, "SELECT pg_total_relation_size('tasks') / 1048576", null);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Table sizes with indexes: manifest {manifestMb:N0} MB, ledger {ledgerMb:N0} MB, tasks {tasksMb:N0} MB. " +
    $"Process RSS at the end {ProcessMemory.CurrentBytes() / 1048576.0:F0} MB."));
return wrong ? 1 : 0;

string Server(CpuReading reading) =>
    cpu.SeesServer ? reading.Server.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) : "n/a";

static async Task<long> ScalarAsync(PostgresStateStore store, string sql, long? parameter)
{
    await using var command = store.DataSource.CreateCommand(sql);
    if (parameter is { } value)
    {
        command.Parameters.AddWithValue(value);
    }

    return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}
