namespace CodeGen.Deploy.Tests;

/// <summary>Files of the repository under test: the first directory above the test assembly with docker-compose.yml.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "docker-compose.yml")) && Directory.Exists(Path.Combine(dir.FullName, "deploy")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no directory above {AppContext.BaseDirectory} holds docker-compose.yml and deploy/");
    }
}
