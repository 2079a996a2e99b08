# The CodeGen training executable (training/) with MPICH and an SSH server, for deploy/k8s/training-mpijob.yaml
# (the MPI operator's launcher reaches the workers over SSH) or `mpiexec.mpich -n N` on one machine. Build from the
# repository root:
#   docker build -f deploy/docker/training.Dockerfile -t codegen-training .
#   docker build -f deploy/docker/training.Dockerfile --build-arg TORCH_BACKEND=cuda -t codegen-training:cuda .
# TORCH_BACKEND=cuda references TorchSharp-cuda-linux, whose packages carry the CUDA libraries; the node's driver
# comes in through the NVIDIA container toolkit. The .NET base images are arguments (docs/DEPLOY.md).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY model/CodeGen.Model.csproj model/
COPY training/CodeGen.Training.csproj training/
COPY evalstore/ evalstore/
RUN dotnet restore training/CodeGen.Training.csproj -p:TorchBackend=${TORCH_BACKEND}
COPY model/ model/
COPY training/ training/
RUN dotnet publish training/CodeGen.Training.csproj -c Release --no-restore -p:TorchBackend=${TORCH_BACKEND} -o /out \
 && test -f /out/CodeGen.Training.dll

FROM ${DOTNET_RUNTIME_IMAGE}
# MPICH (libmpich.so.12, which MPI.NET binds through a resolver, and mpiexec.mpich), the SSH server and client the
# MPI operator's launcher uses, libgomp for llama.cpp's quantizer (training export).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mpich openssh-server openssh-client libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /run/sshd \
 && printf 'StrictModes no\nPasswordAuthentication no\n' >> /etc/ssh/sshd_config \
 && printf 'Host *\n    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n    LogLevel ERROR\n' >> /etc/ssh/ssh_config
WORKDIR /app
COPY --from=build /out/ /app/
ENTRYPOINT ["dotnet", "/app/CodeGen.Training.dll"]
CMD ["--help"]
