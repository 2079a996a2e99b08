// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).
//
// TorchSharp 0.107's libLibTorchSharp.so was linked against a libstdc++ that has GLIBCXX_3.4.32 and
// so lists that version in its .gnu.version_r section; Debian 12's libstdc++ stops at 3.4.30. The only
// symbol behind the requirement (_ZSt21ios_base_library_initv) is never relocated against, so a weak
// requirement lets the dynamic loader accept the library. The package in the NuGet cache is shared by
// every project on the machine, so it is never edited: the build patches a copy under obj/ and copies
// that into bin/. This file is compiled twice: as an inline MSBuild task (build/TorchSharp.targets) and
// into CodeGen.Model.Tests, which checks it.
#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace CodeGen.Build
{
    /// <summary>What <see cref="ElfVersionPatcher.MarkWeak"/> did.</summary>
    public enum ElfPatchResult
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak: nothing written.</summary>
        AlreadyWeak,
        /// <summary>The library does not require that version: nothing written.</summary>
        NotRequired,
    }

    /// <summary>Reads and edits the version-needed entries of an ELF64 little-endian file.</summary>
    public static class ElfVersionPatcher
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Sets VER_FLG_WEAK on the requirement named <paramref name="version"/>.</summary>
        public static ElfPatchResult MarkWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindVernaux(elf, version, path);
            if (offset < 0) return ElfPatchResult.NotRequired;
            ushort flags = BitConverter.ToUInt16(elf, offset + 4);
            if ((flags & VerFlgWeak) != 0) return ElfPatchResult.AlreadyWeak;
            WriteFlags(path, offset, (ushort)(flags | VerFlgWeak));
            return ElfPatchResult.Patched;
        }

        /// <summary>Clears VER_FLG_WEAK again (undoes <see cref="MarkWeak"/>); returns whether anything changed.</summary>
        public static bool MarkStrong(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindVernaux(elf, version, path);
            if (offset < 0) return false;
            ushort flags = BitConverter.ToUInt16(elf, offset + 4);
            if ((flags & VerFlgWeak) == 0) return false;
            WriteFlags(path, offset, (ushort)(flags & ~VerFlgWeak));
            return true;
        }

        private static void WriteFlags(string path, int vernauxOffset, ushort flags)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                stream.Position = vernauxOffset + 4;
                byte[] bytes = BitConverter.GetBytes(flags);
                stream.Write(bytes, 0, bytes.Length);
            }
        }

        /// <summary>Whether the requirement named <paramref name="version"/> is present and weak.</summary>
        public static bool? IsWeak(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            int offset = FindVernaux(elf, version, path);
            if (offset < 0) return null;
            return (BitConverter.ToUInt16(elf, offset + 4) & VerFlgWeak) != 0;
        }

        /// <summary>Whether a shared library defines <paramref name="version"/> (looks for its name).</summary>
        public static bool DefinesVersion(string libraryPath, string version)
        {
            byte[] bytes = File.ReadAllBytes(libraryPath);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            for (int i = 0; i + needle.Length <= bytes.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && bytes[i + j] == needle[j]) j++;
                if (j == needle.Length && (i == 0 || bytes[i - 1] == 0)) return true;
            }
            return false;
        }

        /// <summary>
        /// The library to ship in place of <paramref name="library"/>: null when <paramref name="systemLibStdCxx"/>
        /// defines <paramref name="version"/> (ship the original); otherwise a copy under
        /// <paramref name="outputDirectory"/> with the requirement marked weak. The original is only read. The copy is
        /// made again when missing or older than the original, and is a new file (never a hard link to it).
        /// </summary>
        public static string? WeakenedCopy(string library, string outputDirectory, string version, string? systemLibStdCxx)
        {
            if (systemLibStdCxx != null && DefinesVersion(systemLibStdCxx, version)) return null;
            string full = Path.GetFullPath(library);
            // One folder per original, so two packages' libraries of the same name never share a copy.
            // (FNV-1a of the path: the inline task compiles against netstandard, so no newer hashing API.)
            ulong hash = 14695981039346656037UL;
            foreach (char c in full) hash = (hash ^ c) * 1099511628211UL;
            string key = hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            string copy = Path.Combine(outputDirectory, key, Path.GetFileName(full));
            if (!File.Exists(copy) || File.GetLastWriteTimeUtc(copy) < File.GetLastWriteTimeUtc(full))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                string partial = copy + ".partial";
                File.Copy(full, partial, overwrite: true);
                MarkWeak(partial, version);
                // File.Copy keeps the original's time; a new one makes the build's copy into bin/ replace what is there.
                File.SetLastWriteTimeUtc(partial, DateTime.UtcNow);
                if (File.Exists(copy)) File.Delete(copy);
                File.Move(partial, copy);
            }
            else
            {
                MarkWeak(copy, version);
            }
            return copy;
        }

        /// <summary>The system's libstdc++.so.6, or null when none is found.</summary>
        public static string? FindSystemLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            foreach (string candidate in candidates)
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        // Returns the file offset of the Vernaux entry naming `version`, or -1.
        private static int FindVernaux(byte[] elf, string version, string path)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path} is not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
            long shoff = BitConverter.ToInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            for (int s = 0; s < shnum; s++)
            {
                int sh = checked((int)(shoff + (long)s * shentsize));
                if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
                int secOffset = checked((int)BitConverter.ToInt64(elf, sh + 24));
                int link = (int)BitConverter.ToUInt32(elf, sh + 40);
                int count = (int)BitConverter.ToUInt32(elf, sh + 44);
                int strSh = checked((int)(shoff + (long)link * shentsize));
                int strOffset = checked((int)BitConverter.ToInt64(elf, strSh + 24));
                int need = secOffset;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = BitConverter.ToUInt16(elf, need + 2);
                    int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        int name = strOffset + (int)BitConverter.ToUInt32(elf, aux + 8);
                        if (ReadCString(elf, name) == version) return aux;
                        aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                    }
                    need += (int)BitConverter.ToUInt32(elf, need + 12);
                }
            }
            return -1;
        }

        private static string ReadCString(byte[] bytes, int start)
        {
            int end = start;
            while (end < bytes.Length && bytes[end] != 0) end++;
            return Encoding.ASCII.GetString(bytes, start, end - start);
        }
    }

    /// <summary>
    /// MSBuild task: when the system's libstdc++ lacks <see cref="Version"/>, returns a weakened copy of each library
    /// (under <see cref="OutputDirectory"/>, with the original's metadata) to ship instead; otherwise the originals.
    /// </summary>
    public sealed class WeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
    {
        /// <summary>Libraries to ship (libLibTorchSharp.so in the NuGet package); they are only read.</summary>
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The symbol version to weaken.</summary>
        [Required]
        public string Version { get; set; } = "";

        /// <summary>Where the patched copies go (under obj/).</summary>
        [Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>The libraries to copy to the output, one per input, with the input's metadata.</summary>
        [Output]
        public ITaskItem[] Shipped { get; set; } = Array.Empty<ITaskItem>();

        /// <inheritdoc />
        public override bool Execute()
        {
            string? libstdcxx = ElfVersionPatcher.FindSystemLibStdCxx();
            var shipped = new ITaskItem[Libraries.Length];
            for (int i = 0; i < Libraries.Length; i++)
            {
                ITaskItem item = Libraries[i];
                string? copy = File.Exists(item.ItemSpec) ? ElfVersionPatcher.WeakenedCopy(item.ItemSpec, OutputDirectory, Version, libstdcxx) : null;
                if (copy == null)
                {
                    shipped[i] = item;
                    continue;
                }
                var patched = new TaskItem(copy);
                item.CopyMetadataTo(patched);
                shipped[i] = patched;
                Log.LogMessage(MessageImportance.Low, $"Shipping {copy}: {item.ItemSpec} with {Version} marked weak (system libstdc++ lacks it)");
            }
            Shipped = shipped;
            return true;
        }
    }
}
