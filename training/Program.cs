using System.CommandLine;
using CodeGen.Training.Commands;

// Each subcommand lives in Commands/ and contributes one Command here.
RootCommand root = new("CodeGen training tools.")
{
    TokenizerCommand.Create(),
    CorpusCommand.Create(),
    ShardsCommand.Create(),
    PretrainCommand.Create(),
    ExportCommand.Create(),
    MpiCheckCommand.Create(),
    PerplexityFilterCommand.Create(),
    BaselineCommand.Create(),
    ValidateCommand.Create(),
    LoraCommand.Create(),
    MergeCommand.Create(),
};

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (CodeGen.Training.Distributed.MpiDataParallel.EndJobOnFailure(ex, IsBadInput(ex)))
{
    // Not reached: on one rank of an MPI job, the filter ends the whole job before the stack unwinds.
    return 1;
}
catch (Exception ex) when (IsBadInput(ex))
{
    // Bad input (unreadable files, an unwritable output directory): say what, without a stack trace.
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

static bool IsBadInput(Exception ex) =>
    ex is CodeGen.Model.ModelLoadException or InvalidOperationException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException;
