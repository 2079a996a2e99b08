using System.Text.Json;

namespace CodeGen.Server.Tests.Constraints.Python;

/// <summary>
/// Functions of Debian's Python standard library (/usr/lib/python3.11 without test/ and site-packages/): every
/// <c>def</c> and <c>async def</c> (methods and nested functions too) with its decorators, cut out by Python's own
/// <c>ast</c> and dedented to column 0; each one is checked to parse alone before it is kept.
/// </summary>
/// <param name="Files">The library files read (one in every <c>stride</c>, sorted by path).</param>
/// <param name="Functions">The functions' texts (or the whole files').</param>
internal sealed record StdlibFunctions(int Files, IReadOnlyList<string> Functions)
{
    public const string Root = "/usr/lib/python3.11";

    private const string Extract = """
        import ast, json, os, sys, warnings
        warnings.simplefilter('ignore')
        if sys.version_info[:2] != (3, 11):
            sys.exit(f'python3 is {sys.version}; the checker follows Python 3.11')
        root, stride, whole = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'files'
        paths = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if os.path.relpath(dirpath, root).split(os.sep)[0] in ('test', 'site-packages', 'dist-packages'):
                dirnames[:] = []
                continue
            paths += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith('.py')]
        funcs, files = [], 0
        for path in paths[::stride]:
            try:
                with open(path, encoding='utf-8') as f:
                    text = f.read()
                tree = ast.parse(text)
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            files += 1
            if whole:
                funcs.append(text)
                continue
            lines = [line + '\n' for line in text.split('\n')]
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
                    src = ''.join(line[min(node.col_offset, len(line) - len(line.lstrip(' \t'))):]
                                  for line in lines[start:node.end_lineno])
                    try:
                        ast.parse(src)
                    except SyntaxError:
                        continue
                    funcs.append(src)
        json.dump({'files': files, 'functions': funcs}, sys.stdout)
        """;

    private static readonly Lazy<StdlibFunctions> SampleLazy = new(() => Load(stride: 8));

    /// <summary>The default run's sample: the functions of every 8th file.</summary>
    public static StdlibFunctions Sample => SampleLazy.Value;

    /// <summary>Every <paramref name="stride"/>th file's functions, or with <paramref name="wholeFiles"/> the files themselves.</summary>
    public static StdlibFunctions Load(int stride, bool wholeFiles = false, string root = Root)
    {
        if (!Directory.Exists(root))
        {
            throw new InvalidOperationException(
                $"{root} is missing: these tests read Debian's Python 3.11 standard library; run ./test.sh, which installs python3, or apt-get install python3.11");
        }
        using JsonDocument json = JsonDocument.Parse(PythonProcess.Run(Extract, "", root, stride.ToString(System.Globalization.CultureInfo.InvariantCulture), wholeFiles ? "files" : "functions"));
        string[] functions = json.RootElement.GetProperty("functions").EnumerateArray().Select(f => f.GetString()!).ToArray();
        return new StdlibFunctions(json.RootElement.GetProperty("files").GetInt32(), functions);
    }
}
