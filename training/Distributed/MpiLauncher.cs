using System.Collections;
using System.Globalization;

namespace CodeGen.Training.Distributed;

/// <summary>
/// What the environment says about the MPI launcher that started this process, read before MPI is initialised:
/// MPICH's hydra (<c>mpiexec.mpich</c>) sets PMI_RANK and PMI_SIZE; Open MPI's <c>mpirun</c> sets OMPI_COMM_WORLD_*;
/// PMIx launchers set PMIX_RANK; hydra also sets MPI_LOCALNRANKS and MPI_LOCALRANKID.
/// </summary>
/// <param name="Name">The launcher, for messages ("MPICH hydra", "Open MPI").</param>
/// <param name="Variable">The variable that gave the job size, with its value ("PMI_SIZE=2"); empty when none did.</param>
/// <param name="Size">The job size the launcher announced; null when only a rank variable was found.</param>
/// <param name="LocalRank">This process's rank on its machine, when the launcher says it.</param>
/// <param name="MpichCompatible">Whether MPICH (the MPI that MPI.NET runs on here) can join this launcher's job.</param>
internal sealed record MpiLauncher(string Name, string Variable, int? Size, int? LocalRank, bool MpichCompatible)
{
    /// <summary>The launcher named by <paramref name="environment"/>, or null when no MPI launcher started this process.</summary>
    public static MpiLauncher? Detect(IReadOnlyDictionary<string, string> environment)
    {
        int? Number(string name) =>
            environment.TryGetValue(name, out string? text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
        string Shown(string name) => $"{name}={environment[name]}";

        if (Number("PMI_SIZE") is int pmiSize)
            return new MpiLauncher("MPICH hydra (PMI)", Shown("PMI_SIZE"), pmiSize, Number("MPI_LOCALRANKID"), MpichCompatible: true);
        if (Number("OMPI_COMM_WORLD_SIZE") is int ompiSize)
            return new MpiLauncher("Open MPI", Shown("OMPI_COMM_WORLD_SIZE"), ompiSize, Number("OMPI_COMM_WORLD_LOCAL_RANK"), MpichCompatible: false);
        if (environment.ContainsKey("PMI_RANK"))
            return new MpiLauncher("a PMI launcher", "", null, Number("MPI_LOCALRANKID"), MpichCompatible: true);
        if (environment.ContainsKey("PMIX_RANK") || environment.ContainsKey("PMIX_NAMESPACE"))
            return new MpiLauncher("a PMIx launcher (Open MPI 5's mpirun or prterun?)", "", null, null, MpichCompatible: false);
        if (Number("MPI_LOCALNRANKS") is int localSize)
            return new MpiLauncher("MPICH hydra", Shown("MPI_LOCALNRANKS"), localSize, Number("MPI_LOCALRANKID"), MpichCompatible: true);
        return null;
    }

    /// <summary>This process's environment variables.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            variables[(string)entry.Key] = (string?)entry.Value ?? "";
        return variables;
    }

    /// <summary>
    /// Why a world of <paramref name="worldSize"/> ranks cannot be the job this launcher started, or null when it can.
    /// Open MPI's mpirun starting an MPICH program gives each process a world of its own: N one-rank jobs, each
    /// training alone on all of the data, which must not pass for data parallelism.
    /// </summary>
    public string? Mismatch(int worldSize)
    {
        if (Size is not int expected || expected == worldSize) return null;
        string hint = MpichCompatible
            ? "check that every rank runs the same MPICH (libmpich.so.12)"
            : $"MPI.NET runs on MPICH here, which cannot join {Name}'s job, so each process became a one-rank job of its own; launch with mpiexec.mpich -n {expected} instead of Open MPI's mpirun";
        return $"started by {Name} for {expected} processes ({Variable}) but MPI sees a world of {worldSize}: {hint}";
    }
}
