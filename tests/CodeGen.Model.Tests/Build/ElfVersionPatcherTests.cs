using CodeGen.Build;
using CodeGen.Model;

namespace CodeGen.Model.Tests.Build;

public sealed class ElfVersionPatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("codegen-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string PackagedLibTorchSharp()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"TorchSharp native library not in the test output: {path}");
        return path;
    }

    [Fact]
    public void TorchSharp_Initialises_AndReportsLibTorch210()
    {
        Assert.StartsWith("2.10", TorchInfo.LibTorchVersion);
    }

    // What the build ships: weak exactly when the system's libstdc++ lacks the version, and then a file of its own
    // (obj/'s patched copy), not the NuGet cache's library hard-linked into bin/.
    [Fact]
    public void BuildOutput_LibTorchSharp_WeakExactlyWhenSystemLacksItAndNeverThePackageFile()
    {
        string? libstdcxx = ElfVersionPatcher.FindSystemLibStdCxx();
        Assert.NotNull(libstdcxx);
        bool systemHasIt = ElfVersionPatcher.DefinesVersion(libstdcxx!, "GLIBCXX_3.4.32");
        bool? weak = ElfVersionPatcher.IsWeak(PackagedLibTorchSharp(), "GLIBCXX_3.4.32");
        Assert.NotNull(weak); // TorchSharp 0.107 does require it
        Assert.Equal(!systemHasIt, weak);
        if (!systemHasIt)
        {
            string package = Path.Combine(NuGetPackagesRoot(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Assert.True(File.Exists(package), $"TorchSharp's library not in the NuGet cache: {package}");
            Assert.NotEqual(FileIdentity(package), FileIdentity(PackagedLibTorchSharp()));
        }
    }

    // The build's decision, where it must act: a system libstdc++ without the version gets a weakened copy of a
    // strong library, made under the output folder, with the original left byte for byte as it was.
    [Fact]
    public void WeakenedCopy_SystemLacksVersion_PatchesACopyAndLeavesTheOriginal()
    {
        string original = StrongCopy("package.so");
        byte[] originalBytes = File.ReadAllBytes(original);
        string libstdcxx = FakeLibStdCxx("GLIBCXX_3.4.30");
        string output = Path.Combine(_dir, "obj");

        string? copy = ElfVersionPatcher.WeakenedCopy(original, output, "GLIBCXX_3.4.32", libstdcxx);

        Assert.NotNull(copy);
        Assert.StartsWith(output + Path.DirectorySeparatorChar, copy, StringComparison.Ordinal);
        Assert.Equal("package.so", Path.GetFileName(copy));
        Assert.True(ElfVersionPatcher.IsWeak(copy!, "GLIBCXX_3.4.32"));
        Assert.False(ElfVersionPatcher.IsWeak(original, "GLIBCXX_3.4.32"));
        Assert.Equal(originalBytes, File.ReadAllBytes(original));
        Assert.NotEqual(FileIdentity(original), FileIdentity(copy!));
        byte[] patched = File.ReadAllBytes(copy!);
        Assert.Equal(1, originalBytes.Zip(patched).Count(p => p.First != p.Second));

        // Again (the next build): the same copy, unchanged.
        Assert.Equal(copy, ElfVersionPatcher.WeakenedCopy(original, output, "GLIBCXX_3.4.32", libstdcxx));
        Assert.Equal(patched, File.ReadAllBytes(copy!));
        Assert.Single(Directory.GetFiles(output, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void WeakenedCopy_SystemDefinesVersion_ShipsTheOriginalAndWritesNothing()
    {
        string original = StrongCopy("package.so");
        string output = Path.Combine(_dir, "obj");

        Assert.Null(ElfVersionPatcher.WeakenedCopy(original, output, "GLIBCXX_3.4.32", FakeLibStdCxx("GLIBCXX_3.4.32")));
        Assert.False(Directory.Exists(output));
        Assert.False(ElfVersionPatcher.IsWeak(original, "GLIBCXX_3.4.32"));
    }

    // A copy of the packaged library with the requirement strong again (the package as NuGet delivers it).
    private string StrongCopy(string name)
    {
        string copy = Path.Combine(_dir, name);
        File.Copy(PackagedLibTorchSharp(), copy);
        ElfVersionPatcher.MarkStrong(copy, "GLIBCXX_3.4.32");
        Assert.False(ElfVersionPatcher.IsWeak(copy, "GLIBCXX_3.4.32"));
        return copy;
    }

    // DefinesVersion looks for the NUL-terminated version name, as in libstdc++'s .gnu.version_d strings.
    private string FakeLibStdCxx(string newestVersion)
    {
        string path = Path.Combine(_dir, $"libstdc++-{newestVersion}.so.6");
        File.WriteAllText(path, $"\0GLIBCXX_3.4\0GLIBCXX_3.4.29\0{newestVersion}\0");
        return path;
    }

    private static string NuGetPackagesRoot() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    // Device and inode: equal for two names of one file (a hard link).
    private static string FileIdentity(string path)
    {
        var startInfo = new System.Diagnostics.ProcessStartInfo("stat", ["--dereference", "--format=%d:%i", path]) { RedirectStandardOutput = true };
        using System.Diagnostics.Process stat = System.Diagnostics.Process.Start(startInfo)!;
        string identity = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal(0, stat.ExitCode);
        return identity;
    }

    [Fact]
    public void MarkWeak_StrongRequirement_PatchesOnceThenIsIdempotent()
    {
        string copy = Path.Combine(_dir, "lib.so");
        File.Copy(PackagedLibTorchSharp(), copy);
        ElfVersionPatcher.MarkStrong(copy, "GLIBCXX_3.4.32");
        Assert.False(ElfVersionPatcher.IsWeak(copy, "GLIBCXX_3.4.32"));
        byte[] before = File.ReadAllBytes(copy);

        Assert.Equal(ElfPatchResult.Patched, ElfVersionPatcher.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.True(ElfVersionPatcher.IsWeak(copy, "GLIBCXX_3.4.32"));
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second)); // one flag byte changed

        Assert.Equal(ElfPatchResult.AlreadyWeak, ElfVersionPatcher.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Equal(after, File.ReadAllBytes(copy));
        Assert.Equal(ElfPatchResult.NotRequired, ElfVersionPatcher.MarkWeak(copy, "GLIBCXX_9.9.99"));
        Assert.False(ElfVersionPatcher.IsWeak(copy, "GLIBC_2.2.5")); // others untouched
    }

    [Fact]
    public void MarkWeak_NotAnElfFile_Throws()
    {
        string path = Path.Combine(_dir, "text.so");
        File.WriteAllText(path, new string('x', 100));
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkWeak(path, "GLIBCXX_3.4.32"));
    }
}
