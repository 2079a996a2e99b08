using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class LicenseDetectorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("license-detector-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Detect_RootWithManifest_MapsTopLevelFolderToRow()
    {
        File.WriteAllText(Path.Combine(_directory, "MANIFEST.tsv"),
            "repo\tcommit\tlicense\tfiles\tbytes\nJamesNK/Newtonsoft.Json\t09bb545\tMIT\t1\t10\nApp-vNext/Polly\t173d6d1\tBSD-3-Clause\t1\t10\n");
        string file = Write("App-vNext__Polly/src/Policy.cs", "class Policy { }");
        string unlisted = Write("Other__Repo/A.cs", "class A { }");

        LicenseDetector detector = new(_directory);

        Assert.Equal(new SourceOrigin("App-vNext/Polly", "BSD-3-Clause"), detector.Detect(file));
        Assert.Equal(new SourceOrigin(Path.GetFileName(_directory), "unknown"), detector.Detect(unlisted));
    }

    [Fact]
    public void Detect_LicenseFileInParentFolder_ClassifiesIt()
    {
        Write("LICENSE", "MIT License\n\nPermission is hereby granted, free of charge, to any person...");
        Write("vendored/COPYING", "Apache License\nVersion 2.0, January 2004");
        string file = Write("pkg/sub/a.py", "x = 1");
        string vendored = Write("vendored/b.py", "y = 2");

        LicenseDetector detector = new(_directory);

        Assert.Equal(new SourceOrigin(Path.GetFileName(_directory), "MIT"), detector.Detect(file));
        Assert.Equal(new SourceOrigin(Path.GetFileName(_directory), "Apache-2.0"), detector.Detect(vendored));
    }

    [Fact]
    public void Detect_NoLicenseFile_IsUnknown()
    {
        string file = Write("a.py", "x = 1");

        Assert.Equal("unknown", new LicenseDetector(_directory).Detect(file).License);
    }

    private const string Dep5 = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
        Upstream-Name: foo

        Files: *
        Copyright: 2020 Someone
        License: Expat

        Files: src/foo/vendored/*
         src/foo/other.py
        Copyright: 2019 Someone Else
        License: GPL-2+
         This program is free software; you can redistribute it and/or modify
         .
         it under the terms of the GNU General Public License.

        Files: debian/*
        License: GPL-3+

        License: Expat
         Permission is hereby granted, free of charge, to any person
        """;

    [Fact]
    public void Detect_DebianCopyright_LastMatchingFilesParagraphDecidesEachInstalledFile()
    {
        Write("python3-foo/copyright", Dep5);
        string main = Write("python3-foo/foo/core.py", "x = 1");
        string vendored = Write("python3-foo/foo/vendored/six.py", "y = 2");
        string other = Write("python3-foo/foo/other.py", "z = 3");
        Write("python3-bar/copyright", "This package was debianized by someone.\nSee /usr/share/common-licenses/BSD.\n");
        string plain = Write("python3-bar/bar.py", "w = 4");

        LicenseDetector detector = new(_directory);

        Assert.Equal(new SourceOrigin("debian:python3-foo", "MIT"), detector.Detect(main));
        Assert.Equal(new SourceOrigin("debian:python3-foo", "GPL-2+"), detector.Detect(vendored));
        Assert.Equal(new SourceOrigin("debian:python3-foo", "GPL-2+"), detector.Detect(other));
        Assert.Equal(new SourceOrigin("debian:python3-bar", "unknown"), detector.Detect(plain));
    }

    [Theory]
    [InlineData("Expat", "MIT")]
    [InlineData("BSD-3-clause", "BSD-3-Clause")]
    [InlineData("BSD-3", "BSD-3-Clause")]
    [InlineData("Apache", "Apache-2.0")]
    [InlineData("PSF-2", "PSF-2.0")]
    [InlineData("GPL-2+ or BSD-3-clause", "BSD-3-Clause")]
    [InlineData("MIT and BSD-3", "MIT AND BSD-3-Clause")]
    [InlineData("Expat and MIT", "MIT")]
    [InlineData("GPL-2+", "GPL-2+")]
    [InlineData("MPL-2.0", "MPL-2.0")]
    public void Normalize_DebianShortName_ReturnsSpdxExpression(string name, string expected)
    {
        Assert.Equal(expected, DebianCopyright.Normalize(name));
    }

    [Theory]
    [InlineData("MIT", true)]
    [InlineData("MIT AND BSD-3-Clause", true)]
    [InlineData("MIT AND GPL-2+", false)]
    [InlineData("MPL-2.0", false)]
    [InlineData("unknown", false)]
    public void IsPermissive_License_OnlyPermissiveConjunctions(string license, bool expected)
    {
        Assert.Equal(expected, LicenseDetector.IsPermissive(license));
    }

    [Theory]
    [InlineData("PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2\n...", "PSF-2.0")]
    [InlineData("Redistribution and use in source and binary forms ... Neither the name of the copyright holder", "BSD-3-Clause")]
    [InlineData("Redistribution and use in source and binary forms, with or without modification", "BSD-2-Clause")]
    [InlineData("GNU GENERAL PUBLIC LICENSE Version 3", "unknown")]
    public void Classify_LicenseText_ReturnsSpdxId(string text, string expected)
    {
        Assert.Equal(expected, LicenseDetector.Classify(text));
    }

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
