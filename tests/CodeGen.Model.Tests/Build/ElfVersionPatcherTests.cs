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

    [Fact]
    public void BuildOutput_LibTorchSharp_RequirementIsWeakExactlyWhenSystemLacksIt()
    {
        string? libstdcxx = ElfVersionPatcher.FindSystemLibStdCxx();
        Assert.NotNull(libstdcxx);
        bool systemHasIt = ElfVersionPatcher.DefinesVersion(libstdcxx!, "GLIBCXX_3.4.32");
        bool? weak = ElfVersionPatcher.IsWeak(PackagedLibTorchSharp(), "GLIBCXX_3.4.32");
        Assert.NotNull(weak); // TorchSharp 0.107 does require it
        if (!systemHasIt) Assert.True(weak);
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
