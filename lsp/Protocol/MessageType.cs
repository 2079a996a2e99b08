namespace CodeGen.Lsp.Protocol;

// window/logMessage severities; serialized as their numbers.
internal enum MessageType
{
    Error = 1,
    Warning = 2,
    Info = 3,
    Log = 4,
}
