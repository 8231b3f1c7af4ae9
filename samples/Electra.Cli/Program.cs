using Electra.Cli;

return CommandLine.Run(args);
