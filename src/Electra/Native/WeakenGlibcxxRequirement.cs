#nullable enable
// MSBuild task compiled by RoslynCodeTaskFactory (netstandard2.0) from buildTransitive/Electra.targets; not part of Electra.dll.
//
// libLibTorchSharp.so 0.107.0 is linked against GCC 13's libstdc++ and so requires the symbol version
// GLIBCXX_3.4.32, which Debian 12 and Ubuntu 22.04 (GLIBCXX_3.4.30) lack. The only symbol behind that
// version is std::ios_base_library_init(), referenced but never called. Marking that one version
// requirement WEAK (VER_FLG_WEAK in its Elf64_Vernaux entry of .gnu.version_r) lets the dynamic loader
// accept the library; everything else it needs exists in the older libstdc++.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    const uint SHT_GNU_verneed = 0x6ffffffe;
    const ushort VER_FLG_WEAK = 0x2;

    /// <summary>Copies of libLibTorchSharp.so in the build or publish output (never the NuGet cache).</summary>
    [Required]
    public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The symbol version to weaken.</summary>
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    /// <summary>auto: only where the system libstdc++ lacks <see cref="Version"/>; always: regardless.</summary>
    public string Mode { get; set; } = "auto";

    public override bool Execute()
    {
        if (Mode == "auto")
        {
            string? libstdcxx = FindSystemLibStdCxx();
            if (libstdcxx is not null && Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Version + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, $"Electra: {libstdcxx} provides {Version}; libLibTorchSharp.so left as is.");
                return true;
            }
        }
        foreach (ITaskItem item in Libraries)
        {
            string path = item.ItemSpec;
            try
            {
                Patch(path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Log.LogError($"Electra: could not mark {Version} weak in {path}: {e.Message}. Set ElectraPatchLibStdCxx=false to skip this step.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    static string? FindSystemLibStdCxx()
    {
        string[] dirs =
        {
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };
        foreach (string dir in dirs)
        {
            string candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    void Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != SHT_GNU_verneed) continue;
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 40);
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 24);
            if (MarkWeak(elf, offset, strtab))
            {
                // Temp + rename: the output copy may be a hard link into the NuGet cache, which must stay untouched.
                string temp = path + ".electra-tmp";
                File.WriteAllBytes(temp, elf);
                File.Delete(path);
                File.Move(temp, path);
                Log.LogMessage(MessageImportance.Normal, $"Electra: marked {Version} weak in {path} (system libstdc++ lacks it).");
            }
            return;
        }
        throw new InvalidDataException("no .gnu.version_r section");
    }

    /// <summary>Walks Elf64_Verneed / Elf64_Vernaux; true if a flag changed.</summary>
    bool MarkWeak(byte[] elf, long verneed, long strtab)
    {
        bool found = false;
        long need = verneed;
        while (true)
        {
            int cnt = BitConverter.ToUInt16(elf, (int)need + 2);
            long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
            for (int j = 0; j < cnt; j++)
            {
                long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                if (CStringEquals(elf, name, Version))
                {
                    found = true;
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    if ((flags & VER_FLG_WEAK) != 0) return false;
                    flags |= VER_FLG_WEAK;
                    elf[aux + 4] = (byte)flags;
                    elf[aux + 5] = (byte)(flags >> 8);
                    return true;
                }
                uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                if (nextAux == 0) break;
                aux += nextAux;
            }
            uint next = BitConverter.ToUInt32(elf, (int)need + 12);
            if (next == 0) break;
            need += next;
        }
        if (!found) Log.LogMessage(MessageImportance.Low, $"Electra: {Version} is not required by this library; nothing to patch.");
        return false;
    }

    static bool CStringEquals(byte[] data, long at, string s)
    {
        if (at + s.Length >= data.Length) return false;
        for (int k = 0; k < s.Length; k++)
            if (data[at + k] != (byte)s[k]) return false;
        return data[at + s.Length] == 0;
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int k = 0;
            while (k < needle.Length && haystack[i + k] == needle[k]) k++;
            if (k == needle.Length) return true;
        }
        return false;
    }
}
