using Cluster.Shared.Cli;

// The DataNode process hosts the data-loading actors; it has no work to do until the cluster exists.
return NotBuilt.Report(Console.Error, "datanode", "the cluster runtime (DataNode actors streaming batches)");
