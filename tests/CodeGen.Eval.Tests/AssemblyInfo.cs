// The sandboxes (bubblewrap, and later Docker) exist on Linux only, and so do these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
