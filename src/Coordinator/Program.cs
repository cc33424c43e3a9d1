using Cluster.Coordinator;

return CommandLineApp.Run(args, Console.Out, Console.Error);
