using System.CommandLine;
using System.Globalization;
using CodeGen.Eval.Metrics;

namespace CodeGen.Eval.Cli;

// passk --n N --c C --k K: prints the unbiased pass@k estimate for one problem.
internal static class PassAtKCommand
{
    public static Command Create()
    {
        var n = new Option<int>("--n") { Description = "Samples generated for the problem.", Required = true };
        var c = new Option<int>("--c") { Description = "Samples that passed.", Required = true };
        var k = new Option<int>("--k") { Description = "k in pass@k.", Required = true };

        var command = new Command("passk", "Print the unbiased pass@k estimate 1 - C(n-c,k)/C(n,k).") { n, c, k };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            double value;
            try
            {
                value = PassAtK.Estimate(parseResult.GetValue(n), parseResult.GetValue(c), parseResult.GetValue(k));
            }
            catch (ArgumentOutOfRangeException ex)
            {
                io.Error.WriteLine($"error: {ValidationMessage(ex)}");
                return ExitCodes.InvalidInput;
            }

            io.Output.WriteLine(Format(value));
            return ExitCodes.Success;
        });
        return command;
    }

    // Up to six decimals, invariant culture, no trailing zeros: 0.3, 0.916667, 1.
    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    // The exception message without the "(Parameter 'k')" and "Actual value was" lines .NET appends.
    private static string ValidationMessage(ArgumentOutOfRangeException ex)
    {
        string message = ex.Message;
        int cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut >= 0 ? message[..cut] : message;
    }
}
