namespace CodeGen.Eval.Benchmarks;

// A data file does not have the shape its loader expects; the message names the file and the record.
internal sealed class BenchmarkFormatException : Exception
{
    public BenchmarkFormatException()
    {
    }

    public BenchmarkFormatException(string message)
        : base(message)
    {
    }

    public BenchmarkFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
