// The sandboxes (bubblewrap, Docker) exist on Linux only, and so do these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
