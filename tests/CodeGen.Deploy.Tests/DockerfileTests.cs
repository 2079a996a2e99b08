namespace CodeGen.Deploy.Tests;

/// <summary>deploy/docker/*.Dockerfile: multi-stage, on the .NET base images given as arguments.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "server.Dockerfile", "/out/server.dll" },
        { "web.Dockerfile", "/out/CodeGen.Web.dll" },
        { "eval.Dockerfile", "/out/CodeGen.Eval.dll" },
        { "training.Dockerfile", "/out/CodeGen.Training.dll" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_BuildsOnTheSdkArgumentAndRunsOnTheRuntimeArgument(string dockerfile, string published)
    {
        string[] lines = [.. Repo.Read(Path.Combine("deploy", "docker", dockerfile)).Split('\n').Select(l => l.Trim())];

        string[] froms = [.. lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal))];
        int firstFrom = Array.FindIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        // Arguments used in FROM must be declared before the first FROM.
        Assert.Contains("ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0", lines[..firstFrom]);
        Assert.Contains("ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0", lines[..firstFrom]);
        Assert.Equal(["FROM ${DOTNET_SDK_IMAGE} AS build", "FROM ${DOTNET_RUNTIME_IMAGE}"], froms);
        Assert.Contains(lines, l => l.StartsWith("RUN dotnet publish ", StringComparison.Ordinal) && l.Contains("-c Release", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"test -f {published}", StringComparison.Ordinal));
        Assert.Contains("COPY --from=build /out/ /app/", lines);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_CopiesOnlyWhatTheDockerignoreLetsIn(string dockerfile, string published)
    {
        _ = published;
        string[] ignored = [.. Repo.Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        foreach (string line in Repo.Read(Path.Combine("deploy", "docker", dockerfile)).Split('\n').Select(l => l.Trim()))
        {
            if (!line.StartsWith("COPY ", StringComparison.Ordinal) || line.StartsWith("COPY --from", StringComparison.Ordinal)) continue;
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string source in parts[1..^1])
            {
                Assert.True(File.Exists(Repo.PathOf(source)) || Directory.Exists(Repo.PathOf(source)), $"{dockerfile}: {source} does not exist");
                Assert.DoesNotContain(ignored, pattern => source.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal) && !pattern.StartsWith("**", StringComparison.Ordinal));
            }
        }
    }
}
