// Starts the test-only GCS gaps layer in front of the emulator at args[0], creates the buckets
// named in args[1..] (buckets.insert), prints the layer's endpoint, and serves until stdin closes.
using System.Text;
using HeavySync.IntegrationTests.Gcs;

await using var gaps = GcsEmulatorGaps.Start(args[0]);
using (var http = new HttpClient())
{
    foreach (var bucket in args.Skip(1))
    {
        using var body = new StringContent($"{{\"name\":\"{bucket}\"}}", Encoding.UTF8, "application/json");
        (await http.PostAsync($"{gaps.Endpoint}/storage/v1/b?project=bench", body)).EnsureSuccessStatusCode();
    }
}

Console.WriteLine(gaps.Endpoint);
await Console.In.ReadToEndAsync();
