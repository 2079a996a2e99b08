using System.Text.Json;

namespace CodeGen.Lsp.Protocol;

// Settings: Our settings, either at the top level or under "codegen".
internal sealed record DidChangeConfigurationParams(JsonElement Settings);
