using HeavySync.Cli;

return await HeavySyncCli.RunAsync(args);
