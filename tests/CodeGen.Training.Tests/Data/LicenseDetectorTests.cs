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
