namespace CodeGen.Model;

/// <summary>A model directory, config or checkpoint that cannot be loaded; the message names the file or tensor.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception with a message that names the offending input.</summary>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with the underlying cause.</summary>
    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}
