namespace CodeGen.Deploy.Tests;

/// <summary>deploy/k8s/*.yaml parsed: selectors, ports, probes, GPUs, volumes and the MPIJob's replica specs and command.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly IReadOnlyList<object> All =
        [.. Directory.GetFiles(Repo.PathOf("deploy/k8s"), "*.yaml").Order(StringComparer.Ordinal).SelectMany(f => Yaml.Documents(File.ReadAllText(f)))];

    private static object Find(string kind, string name) =>
        All.Single(d => Yaml.Str(d, "kind") == kind && Yaml.Str(d, "metadata.name") == name);

    private static bool Subset(Dictionary<object, object> selector, Dictionary<object, object> labels) =>
        selector.All(pair => labels.TryGetValue(pair.Key, out object? value) && Equals(value, pair.Value));

    // The named container port's number.
    private static string PortNumber(object container, string name) =>
        Yaml.Str(Yaml.List(container, "ports").Single(p => Yaml.Str(p, "name") == name), "containerPort");

    [Fact]
    public void Manifests_EveryDocumentHasApiVersionKindAndName()
    {
        Assert.True(All.Count >= 9, $"{All.Count} documents");
        foreach (object document in All)
        {
            Assert.False(string.IsNullOrEmpty(Yaml.Str(document, "apiVersion")));
            Assert.False(string.IsNullOrEmpty(Yaml.Str(document, "kind")));
            Assert.StartsWith("codegen-", Yaml.Str(document, "metadata.name"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("codegen-server", "8080")]
    [InlineData("codegen-web", "5080")]
    public void Deployment_SelectorMatchesItsPodsAndTheServiceReachesTheirPort(string name, string port)
    {
        object deployment = Find("Deployment", name);
        object service = Find("Service", name);

        Assert.Equal("apps/v1", Yaml.Str(deployment, "apiVersion"));
        Dictionary<object, object> podLabels = Yaml.Map(deployment, "spec.template.metadata.labels");
        Assert.True(Subset(Yaml.Map(deployment, "spec.selector.matchLabels"), podLabels), "the Deployment's selector does not match its pod labels");
        Assert.True(Subset(Yaml.Map(service, "spec.selector"), podLabels), "the Service's selector does not match the pods");
        object container = Assert.Single(Yaml.List(deployment, "spec.template.spec.containers"));
        string targetPort = Yaml.Str(service, "spec.ports.0.targetPort");
        Assert.Equal(port, PortNumber(container, targetPort));
        Assert.Equal(port, Yaml.Str(service, "spec.ports.0.port"));
        Assert.Equal("ClusterIP", Yaml.Str(service, "spec.type"));
    }

    [Fact]
    public void Server_ProbesAskHealthOnTheContainerPort()
    {
        object container = Yaml.At(Find("Deployment", "codegen-server"), "spec.template.spec.containers.0");

        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("/health", Yaml.Str(container, $"{probe}.httpGet.path"));
            string port = Yaml.Str(container, $"{probe}.httpGet.port");
            // The entry point listens on CODEGEN_PORT, 8080 unless set (server.Dockerfile).
            Assert.Equal("8080", PortNumber(container, port));
        }

        Assert.DoesNotContain(Yaml.List(container, "env"), e => Yaml.Str(e, "name") == "CODEGEN_PORT");
        Assert.Contains("ENV CODEGEN_HOST=0.0.0.0 CODEGEN_PORT=8080", Repo.Read("deploy/docker/server.Dockerfile"), StringComparison.Ordinal);
        // Loading 30 GB of weights takes minutes: the startup probe allows 20 of them before liveness counts.
        Assert.True(int.Parse(Yaml.Str(container, "startupProbe.periodSeconds"), System.Globalization.CultureInfo.InvariantCulture)
            * int.Parse(Yaml.Str(container, "startupProbe.failureThreshold"), System.Globalization.CultureInfo.InvariantCulture) >= 600);
    }

    [Fact]
    public void Server_AsksForOneGpuAndServesTheMountedModelOnCuda()
    {
        object deployment = Find("Deployment", "codegen-server");
        object container = Yaml.At(deployment, "spec.template.spec.containers.0");

        // Map lookups: the resource name holds dots, which Yaml.At's paths split on.
        Assert.Equal("1", (string)Yaml.Map(container, "resources.limits")["nvidia.com/gpu"]);
        Assert.Equal("1", (string)Yaml.Map(container, "resources.requests")["nvidia.com/gpu"]);
        List<string> args = Yaml.Strings(container, "args");
        Assert.Equal("cuda", args[args.IndexOf("--device") + 1]);
        Assert.Equal("bfloat16", args[args.IndexOf("--dtype") + 1]);
        string model = args[args.IndexOf("--model") + 1];
        object modelMount = Yaml.List(container, "volumeMounts").Single(m => model.StartsWith(Yaml.Str(m, "mountPath") + "/", StringComparison.Ordinal));
        Assert.Equal("true", Yaml.Str(modelMount, "readOnly"));
        object volume = Yaml.List(deployment, "spec.template.spec.volumes").Single(v => Yaml.Str(v, "name") == Yaml.Str(modelMount, "name"));
        Assert.Equal("codegen-models", Yaml.Str(volume, "persistentVolumeClaim.claimName"));
        // The key comes from a Secret, never from the manifest.
        object key = Yaml.List(container, "env").Single(e => Yaml.Str(e, "name") == "CODEGEN_API_KEY");
        Assert.Equal("codegen-api-key", Yaml.Str(key, "valueFrom.secretKeyRef.name"));
        Assert.False(Yaml.Has(key, "value"));
    }

    [Fact]
    public void Volumes_EveryClaimUsedIsDeclared()
    {
        HashSet<string> claims = [.. All.Where(d => Yaml.Str(d, "kind") == "PersistentVolumeClaim").Select(d => Yaml.Str(d, "metadata.name"))];
        var used = new List<string>();
        foreach (object document in All)
        {
            IEnumerable<object> pods = Yaml.Str(document, "kind") switch
            {
                "Deployment" => [Yaml.At(document, "spec.template.spec")],
                "MPIJob" => Yaml.Map(document, "spec.mpiReplicaSpecs").Values.Select(r => Yaml.At(r, "template.spec")),
                _ => [],
            };
            foreach (object pod in pods)
            {
                if (!Yaml.Has(pod, "volumes")) continue;
                used.AddRange(Yaml.List(pod, "volumes").Where(v => Yaml.Has(v, "persistentVolumeClaim")).Select(v => Yaml.Str(v, "persistentVolumeClaim.claimName")));
                // Every mount names a volume of its pod.
                HashSet<string> names = [.. Yaml.List(pod, "volumes").Select(v => Yaml.Str(v, "name"))];
                foreach (object container in Yaml.List(pod, "containers").Where(c => Yaml.Has(c, "volumeMounts")))
                {
                    Assert.All(Yaml.List(container, "volumeMounts"), m => Assert.Contains(Yaml.Str(m, "name"), names));
                }
            }
        }

        Assert.NotEmpty(used);
        Assert.All(used, claim => Assert.Contains(claim, claims));
    }

    [Fact]
    public void MpiJob_OneWorkerPerGpuAndALauncherRunningMpiexecOverAllSlots()
    {
        object job = Find("MPIJob", "codegen-lora");

        Assert.Equal("kubeflow.org/v2beta1", Yaml.Str(job, "apiVersion"));
        Assert.Equal("MPICH", Yaml.Str(job, "spec.mpiImplementation"));
        int slots = int.Parse(Yaml.Str(job, "spec.slotsPerWorker"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1, slots);
        Assert.Equal(["Launcher", "Worker"], Yaml.Map(job, "spec.mpiReplicaSpecs").Keys.Cast<string>().Order());
        Assert.Equal("1", Yaml.Str(job, "spec.mpiReplicaSpecs.Launcher.replicas"));
        int workers = int.Parse(Yaml.Str(job, "spec.mpiReplicaSpecs.Worker.replicas"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(workers >= 2, "a job across nodes has at least two workers");

        object worker = Assert.Single(Yaml.List(job, "spec.mpiReplicaSpecs.Worker.template.spec.containers"));
        Assert.Equal("1", (string)Yaml.Map(worker, "resources.limits")["nvidia.com/gpu"]);
        Assert.Equal(["/usr/sbin/sshd", "-De"], Yaml.Strings(worker, "command"));
        Assert.Equal("22", Yaml.Str(worker, "readinessProbe.tcpSocket.port"));

        object launcher = Assert.Single(Yaml.List(job, "spec.mpiReplicaSpecs.Launcher.template.spec.containers"));
        Assert.False(Yaml.Has(launcher, "resources.limits") && Yaml.Map(launcher, "resources.limits").ContainsKey("nvidia.com/gpu"), "the launcher needs no GPU");
        Assert.Equal(Yaml.Str(worker, "image"), Yaml.Str(launcher, "image"));
        List<string> command = Yaml.Strings(launcher, "command");
        Assert.Equal("mpiexec.mpich", command[0]);
        Assert.Equal((workers * slots).ToString(System.Globalization.CultureInfo.InvariantCulture), command[command.IndexOf("-n") + 1]);
        Assert.Equal("/etc/mpi/hostfile", command[command.IndexOf("-f") + 1]);
        int lora = command.IndexOf("lora");
        Assert.Equal(["dotnet", "/app/CodeGen.Training.dll"], command[(lora - 2)..lora]);
        foreach (string flag in new[] { "--base", "--data", "--output", "--steps" })
        {
            Assert.True(command.IndexOf(flag) > lora, $"{flag} missing after lora");
        }

        Assert.True(int.Parse(command[command.IndexOf("--steps") + 1], System.Globalization.CultureInfo.InvariantCulture) > 0);
        // The paths the ranks read and write are mounted in every worker (the ranks run there, not in the launcher).
        List<string> mounts = [.. Yaml.List(worker, "volumeMounts").Select(m => Yaml.Str(m, "mountPath"))];
        foreach (string flag in new[] { "--base", "--data", "--output" })
        {
            string path = command[command.IndexOf(flag) + 1];
            Assert.True(mounts.Any(m => path.StartsWith(m + "/", StringComparison.Ordinal)), $"{flag} {path} is on no worker mount ({string.Join(", ", mounts)})");
        }
    }

    [Fact]
    public void MpiJob_TrainingImageHasMpichAndSshd()
    {
        string dockerfile = Repo.Read("deploy/docker/training.Dockerfile");

        Assert.Contains("mpich", dockerfile, StringComparison.Ordinal);
        Assert.Contains("openssh-server", dockerfile, StringComparison.Ordinal);
        Assert.Contains("mkdir -p /run/sshd", dockerfile, StringComparison.Ordinal);
        Assert.Equal("/root/.ssh", Yaml.Str(Find("MPIJob", "codegen-lora"), "spec.sshAuthMountPath"));
    }
}
