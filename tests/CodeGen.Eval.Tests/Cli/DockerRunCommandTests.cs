using CodeGen.Eval.Storage;

namespace CodeGen.Eval.Tests.Cli;

// `eval run --sandbox docker` end to end: the CLI builds its own Docker sandbox (the fixture has made sure the
// daemon runs and the image exists).
[Collection(DockerCollection.Name)]
[Trait("Category", "Docker")]
public sealed class DockerRunCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-eval-test-").FullName;

    public DockerRunCommandTests(DockerFixture fixture)
    {
        _ = fixture; // Ensures dockerd runs and the image exists before the CLI probes them.
    }

    private string Db => Path.Combine(_directory, "results.db");

    [Fact]
    public async Task Run_HumanEvalOracleInDocker_AllPassAndNoContainerLeft()
    {
        (int exitCode, string output, string error) = EvalCli.Run(
            "run", "--benchmark", "humaneval", "--oracle", "canonical", "--sandbox", "docker", "--parallel", "2", "--db", Db, "--name", "he-docker");

        Assert.Equal((0, ""), (exitCode, error));
        string[] lines = output.TrimEnd().Split('\n');
        Assert.Equal("pass@1=1 passed=164 total=164", lines[^1]);
        Assert.Equal("statuses: passed=164", lines[^2]);
        using ResultStore store = ResultStore.OpenReadOnly(Db);
        Assert.Contains("\"sandbox\":\"docker codegen-eval-sandbox:latest", store.FindRun("he-docker")!.Configuration, StringComparison.Ordinal);
        Assert.Empty(await DockerFixture.LabelledContainersAsync(null));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
