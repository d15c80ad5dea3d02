using System.CommandLine;
using HeavySync.Checking;
using HeavySync.Cli.Configuration;
using HeavySync.Cli.Hosting;
using HeavySync.State;
using HeavySync.Storage;

namespace HeavySync.Cli.Commands;

/// <summary><c>heavysync check SRC DST --samples N</c>: verify a random sample of objects by checksum.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var src = new Argument<string>("SRC") { Description = "Source location." };
        var dst = new Argument<string>("DST") { Description = "Destination location." };
        var samples = new Option<int>("--samples", "-s") { Description = "How many random source objects to verify (default 100).", DefaultValueFactory = _ => 100 };
        var seed = new Option<int?>("--seed") { Description = "Random seed, to repeat a check exactly (default: random)." };
        var shared = new SharedOptions();
        shared.Bind(new Option<int?>("--concurrency", "-j") { Description = "Objects verified at once (default 8)." }, "concurrency");
        var command = new Command("check", "Verify N random source objects at the destination by checksum and say what the sample " +
            "implies (e.g. 'mismatch rate below 0.6% with 95% confidence'). Samples come from the last sync's manifest when " +
            "there is one, else from a streamed listing (reservoir sampling: memory stays bounded). Exit 0 when all match, 1 otherwise.")
        {
            src, dst, samples, seed,
        };
        shared.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async token =>
        {
            var n = parse.GetValue(samples);
            if (n < 1)
            {
                throw new UsageException("--samples must be at least 1");
            }

            var settings = shared.Load(parse);
            var source = CliHost.ParseLocation(parse.GetValue(src)!, "source");
            var destination = CliHost.ParseLocation(parse.GetValue(dst)!, "destination");
            await using var host = new CliHost(settings, parse.GetValue(shared.Verbose), role: "check");
            var statePath = settings.GetString("state") ?? StatePaths.ForPair(settings, source.Canonical, destination.Canonical);
            await using var state = File.Exists(statePath) ? await CliHost.OpenStateAsync(statePath, token) : null;
            await using var srcStore = await host.OpenStoreAsync(source, StoreSide.Source, token);
            await using var dstStore = await host.OpenStoreAsync(destination, StoreSide.Destination, token);

            var check = new SampledCheck(srcStore, dstStore);
            var result = await check.RunAsync(n, parse.GetValue(seed) ?? Random.Shared.Next(), state, settings.GetInt("concurrency", 8, 1, 256), token);
            Console.WriteLine($"checked {result.Samples} of {result.SourceObjects} source objects ({(result.FromManifest ? "sampled from the state's manifest" : "sampled from a fresh listing")})");
            foreach (var mismatch in result.Mismatches)
            {
                Console.WriteLine($"  MISMATCH {mismatch.Key}: {mismatch.Reason}");
            }

            Console.WriteLine(result.Confidence);
            return result.Mismatches.Count == 0 ? ExitCodes.InSync : ExitCodes.Failures;
        }, ct));
        return command;
    }
}
