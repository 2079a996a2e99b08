namespace CodeGen.Lsp.Completion;

// LSP language ids by file extension (for workspace files, which have no languageId) and the line comment
// each language writes file path headers with.
internal static class Languages
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".cs"] = "csharp", [".py"] = "python", [".js"] = "javascript", [".ts"] = "typescript", [".java"] = "java",
        [".go"] = "go", [".rs"] = "rust", [".c"] = "c", [".h"] = "c", [".cpp"] = "cpp", [".hpp"] = "cpp",
        [".cc"] = "cpp", [".lua"] = "lua", [".rb"] = "ruby", [".sh"] = "shellscript", [".kt"] = "kotlin",
        [".swift"] = "swift", [".fs"] = "fsharp",
    };

    // Editors name some languages their own way (Neovim's filetype "cs" for VS Code's "csharp"): one id each.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["cs"] = "csharp", ["py"] = "python", ["js"] = "javascript", ["ts"] = "typescript", ["sh"] = "shellscript",
        ["bash"] = "shellscript", ["rs"] = "rust", ["kt"] = "kotlin", ["fs"] = "fsharp",
    };

    // The id we use for an editor's language id.
    public static string Normalize(string languageId) => Aliases.GetValueOrDefault(languageId, languageId);

    // The language id of a path, or null for files we do not read as code.
    public static string? FromPath(string path) => ByExtension.GetValueOrDefault(Path.GetExtension(path));

    public static string LineComment(string languageId) => languageId switch
    {
        "python" or "ruby" or "shellscript" => "#",
        "lua" => "--",
        _ => "//",
    };
}
