namespace CodeGen.Deploy.Tests;

/// <summary>
/// The containers' entry points (deploy/docker/*-entrypoint.sh) run on the host with a stand-in <c>dotnet</c> that
/// prints its arguments and environment, so what they pass to the executables is checked exactly.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EntrypointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("codegen-entrypoint-");

    public void Dispose() => _dir.Delete(recursive: true);

    // A dotnet root holding a stand-in host: it prints "ARG <arg>" per argument, then TMPDIR and DOTNET_ROOT.
    private string FakeDotnetRoot(string name)
    {
        string root = Path.Combine(_dir.FullName, name);
        Directory.CreateDirectory(Path.Combine(root, "shared", "Microsoft.NETCore.App", "10.0.9"));
        Directory.CreateDirectory(Path.Combine(root, "host", "fxr"));
        string dotnet = Path.Combine(root, "dotnet");
        File.WriteAllText(dotnet, """
            #!/bin/bash
            for a in "$@"; do
              echo "ARG $a"
              case "$a" in @*) echo "MODE $(stat -c %a "${a#@}")"; while IFS= read -r line; do echo "RSP $line"; done < "${a#@}" ;; esac
            done
            echo "TMPDIR=$TMPDIR"
            echo "DOTNET_ROOT=$DOTNET_ROOT"
            echo "SELF=$0"
            echo "KEYENV=${CODEGEN_API_KEY:-}"

            """);
        File.SetUnixFileMode(dotnet, (UnixFileMode)0b111_101_101);
        return root;
    }

    private static Task<Tool.Result> RunAsync(string script, string dotnetRoot, string[] args, params (string, string?)[] environment)
    {
        Dictionary<string, string?> env = new()
        {
            ["PATH"] = $"{dotnetRoot}:/usr/bin:/bin",
            ["CODEGEN_API_KEY"] = null,
            ["CODEGEN_HOST"] = null,
            ["CODEGEN_PORT"] = null,
            ["CODEGEN_SERVER_ARGS"] = null,
            ["TMPDIR"] = null,
        };
        foreach ((string name, string? value) in environment) env[name] = value;
        return Tool.RunAsync("/bin/bash", [Repo.PathOf(Path.Combine("deploy", "docker", script)), .. args], env);
    }

    private static string[] Lines(Tool.Result result, string prefix) =>
        [.. result.Stdout.Split('\n').Where(l => l.StartsWith(prefix + " ", StringComparison.Ordinal)).Select(l => l[(prefix.Length + 1)..])];

    private static string[] Args(Tool.Result result) => Lines(result, "ARG");

    [Fact]
    public async Task Server_WithoutKeyOnAllInterfaces_ExitsTwoNamingTheVariable()
    {
        Tool.Result result = await RunAsync("server-entrypoint.sh", FakeDotnetRoot("dotnet"), ["--model", "/models/m"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("CODEGEN_API_KEY is not set", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("ARG", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_WithKey_BindsAllInterfacesWithTheKeyInAResponseFileThenArgumentsThenExtraArgs()
    {
        string tmp = Directory.CreateDirectory(Path.Combine(_dir.FullName, "tmp")).FullName;

        Tool.Result result = await RunAsync("server-entrypoint.sh", FakeDotnetRoot("dotnet"), ["--model", "/models/m", "--max-batch", "8"],
            ("CODEGEN_API_KEY", "s3cret"), ("CODEGEN_SERVER_ARGS", "--adapter /adapters/mine --dtype bfloat16"), ("TMPDIR", tmp));

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] args = Args(result);
        string responseFile = Assert.Single(Directory.GetFiles(tmp));
        Assert.Equal(
            ["/app/server.dll", "--host", "0.0.0.0", "--port", "8080", "@" + responseFile, "--model", "/models/m", "--max-batch", "8", "--adapter", "/adapters/mine", "--dtype", "bfloat16"],
            args);
        // The key is in the response file (owner-only), neither on the command line nor in the server's environment.
        Assert.Equal(["--api-key", "s3cret"], Lines(result, "RSP"));
        Assert.Equal(["600"], Lines(result, "MODE"));
        Assert.DoesNotContain(args, a => a.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains("KEYENV=\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_OnLoopback_NeedsNoKey()
    {
        Tool.Result result = await RunAsync("server-entrypoint.sh", FakeDotnetRoot("dotnet"), [], ("CODEGEN_HOST", "127.0.0.1"), ("CODEGEN_PORT", "9000"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/app/server.dll", "--host", "127.0.0.1", "--port", "9000"], Args(result));
    }

    [Fact]
    public async Task Eval_CopiesDotnetUnderTheSharedDirectoryAndRunsFromThere()
    {
        string shared = Directory.CreateDirectory(Path.Combine(_dir.FullName, "shared")).FullName;
        string image = FakeDotnetRoot("image-dotnet");

        string tmp = Directory.CreateDirectory(Path.Combine(_dir.FullName, "tmp")).FullName;

        Tool.Result result = await RunAsync("eval-entrypoint.sh", image, ["run", "--benchmark", "humaneval", "--server", "http://server:8080"],
            ("CODEGEN_EVAL_SHARED", shared), ("CODEGEN_API_KEY", "k1"), ("TMPDIR", tmp));

        Assert.True(result.ExitCode == 0, result.ToString());
        string responseFile = Assert.Single(Directory.GetFiles(tmp));
        Assert.Equal(["/app/CodeGen.Eval.dll", "run", "--benchmark", "humaneval", "--server", "http://server:8080", "@" + responseFile], Args(result));
        Assert.Equal(["--api-key", "k1"], Lines(result, "RSP"));
        Assert.Equal(["600"], Lines(result, "MODE"));
        Assert.Contains("KEYENV=\n", result.Stdout, StringComparison.Ordinal);
        // The sandbox binds the samples' sources (under TMPDIR) and the .NET root at their paths on the daemon's host.
        Assert.Contains($"TMPDIR={shared}/tmp", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"DOTNET_ROOT={shared}/dotnet", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"SELF={shared}/dotnet/dotnet", result.Stdout, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(shared, "dotnet", "shared", "Microsoft.NETCore.App", "10.0.9")));
        Assert.Equal("10.0.9\n", File.ReadAllText(Path.Combine(shared, "dotnet", ".codegen-version")));
    }

    [Fact]
    public async Task Eval_GivenApiKeyOrAnotherCommand_AddsNoKey()
    {
        string shared = Directory.CreateDirectory(Path.Combine(_dir.FullName, "shared")).FullName;
        string image = FakeDotnetRoot("image-dotnet");

        Tool.Result given = await RunAsync("eval-entrypoint.sh", image, ["run", "--api-key", "mine"], ("CODEGEN_EVAL_SHARED", shared), ("CODEGEN_API_KEY", "k1"));
        Tool.Result exec = await RunAsync("eval-entrypoint.sh", image, ["exec", "a.py"], ("CODEGEN_EVAL_SHARED", shared), ("CODEGEN_API_KEY", "k1"));

        Assert.Equal(["/app/CodeGen.Eval.dll", "run", "--api-key", "mine"], Args(given));
        Assert.Equal(["/app/CodeGen.Eval.dll", "exec", "a.py"], Args(exec));
    }

    [Fact]
    public async Task Eval_WithoutTheSharedDirectory_ExitsTwoNamingIt()
    {
        string missing = Path.Combine(_dir.FullName, "not-mounted");

        Tool.Result result = await RunAsync("eval-entrypoint.sh", FakeDotnetRoot("dotnet"), ["run"], ("CODEGEN_EVAL_SHARED", missing));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{missing} is not mounted", result.Stderr, StringComparison.Ordinal);
    }
}
