using Cluster.Shared.Cli;

// The GpuNode process hosts one trainer actor per device; it has no work to do until the cluster exists.
return NotBuilt.Report(Console.Error, "gpunode", "the cluster runtime (trainer actors with gradient all-reduce)");
