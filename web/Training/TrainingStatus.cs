namespace CodeGen.Web.Training;

// What --training-dir turned out to be.
internal enum TrainingStatus
{
    // web was started without --training-dir.
    NotConfigured,

    // No directory at the path.
    Missing,

    // A directory without metrics.jsonl in it or its subfolders.
    Empty,

    // At least one metrics file was read.
    Ready,
}
