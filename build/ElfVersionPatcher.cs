// Marks one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).
//
// TorchSharp 0.107's libLibTorchSharp.so was linked against a libstdc++ that has GLIBCXX_3.4.32 and
// so lists that version in its .gnu.version_r section; Debian 12's libstdc++ stops at 3.4.30. The only
// symbol behind the requirement (_ZSt21ios_base_library_initv) is never relocated against, so a weak
// requirement lets the dynamic loader accept the library. This file is compiled twice: as an inline
// MSBuild task (build/TorchSharp.Glibcxx.targets) and into CodeGen.Model.Tests, which checks it.
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

    /// <summary>MSBuild task: weakens the GLIBCXX requirement of the given libraries when the system lacks it.</summary>
    public sealed class WeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
    {
        /// <summary>Libraries to patch in place (libLibTorchSharp.so).</summary>
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The symbol version to weaken.</summary>
        [Required]
        public string Version { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            string? libstdcxx = ElfVersionPatcher.FindSystemLibStdCxx();
            if (libstdcxx != null && ElfVersionPatcher.DefinesVersion(libstdcxx, Version))
            {
                Log.LogMessage(MessageImportance.Low, $"{libstdcxx} defines {Version}: no patch needed");
                return true;
            }
            foreach (ITaskItem item in Libraries)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                ElfPatchResult result = ElfVersionPatcher.MarkWeak(path, Version);
                if (result == ElfPatchResult.Patched)
                    Log.LogMessage(MessageImportance.High, $"Marked {Version} weak in {path} (system libstdc++ lacks it)");
            }
            return true;
        }
    }
}
