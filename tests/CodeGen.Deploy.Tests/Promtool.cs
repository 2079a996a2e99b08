namespace CodeGen.Deploy.Tests;

/// <summary>
/// Prometheus's promtool: the one on PATH, else the one inside Debian's prometheus package, fetched with
/// <c>apt-get download</c> and unpacked with <c>dpkg-deb -x</c> into /var/tmp/codegen-promtool (installing the
/// package would also set up and may start a Prometheus server, which the tests do not want).
/// </summary>
internal static class Promtool
{
    private const string CacheDirectory = "/var/tmp/codegen-promtool";

    private static readonly Lazy<Task<string>> Path = new(FindAsync);

    public static async Task<Tool.Result> RunAsync(params string[] args) => await Tool.RunAsync(await Path.Value, args, timeout: TimeSpan.FromMinutes(1));

    private static async Task<string> FindAsync()
    {
        if (Tool.OnPath("promtool")) return "promtool";
        string cached = System.IO.Path.Combine(CacheDirectory, "usr", "bin", "promtool");
        if (File.Exists(cached)) return cached;
        if (!Tool.OnPath("apt-get") || !Tool.OnPath("dpkg-deb"))
        {
            throw new InvalidOperationException("promtool is not installed and apt-get/dpkg-deb are missing to fetch it: install Prometheus's promtool (Debian package prometheus)");
        }

        string download = Directory.CreateTempSubdirectory("codegen-promtool-").FullName;
        try
        {
            Tool.Result fetched = await Tool.RunAsync("apt-get", ["download", "prometheus"], workingDirectory: download, timeout: TimeSpan.FromMinutes(5));
            string? deb = Directory.GetFiles(download, "prometheus_*.deb").SingleOrDefault();
            if (fetched.ExitCode != 0 || deb is null)
            {
                throw new InvalidOperationException($"promtool is not installed and `apt-get download prometheus` failed (run apt-get update first?): {fetched}");
            }

            Tool.Result unpacked = await Tool.RunAsync("dpkg-deb", ["-x", deb, CacheDirectory]);
            if (unpacked.ExitCode != 0 || !File.Exists(cached)) throw new InvalidOperationException($"dpkg-deb -x {deb} gave no usr/bin/promtool: {unpacked}");
            return cached;
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }
}
