using Cluster.GpuNode;

return await GpuNodeProgram.RunAsync(args, Console.Error).ConfigureAwait(false);
