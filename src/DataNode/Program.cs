using Cluster.DataNode;

return DataNodeCommandLine.Run(args, Console.Out, Console.Error);
