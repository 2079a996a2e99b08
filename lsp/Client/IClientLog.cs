using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Client;

// Tells the editor's user what went wrong (window/logMessage).
internal interface IClientLog
{
    void Log(MessageType type, string message);
}
