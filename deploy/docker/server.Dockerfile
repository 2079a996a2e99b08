# The CodeGen inference server (server/), multi-stage. Build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t codegen-server .
# The .NET base images are arguments: Microsoft's by default; deploy/docker/build-base.sh builds local stand-ins
# where no registry is reachable (docs/DEPLOY.md).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
# cpu (TorchSharp's CPU libtorch) or cuda (TorchSharp-cuda-linux; a CUDA runtime image is then needed to use it).
ARG TORCH_BACKEND=cpu
WORKDIR /src
# Restore first, from the project files only, so that a source change does not download the packages again.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY model/CodeGen.Model.csproj model/
COPY server/CodeGen.Server.csproj server/
RUN dotnet restore server/CodeGen.Server.csproj -p:TorchBackend=${TORCH_BACKEND}
COPY model/ model/
COPY server/ server/
RUN dotnet publish server/CodeGen.Server.csproj -c Release --no-restore -p:TorchBackend=${TORCH_BACKEND} -o /out \
 && test -f /out/server.dll

FROM ${DOTNET_RUNTIME_IMAGE}
# llama.cpp's CPU build (LLamaSharp.Backend.Cpu) links OpenMP's libgomp.so.1; Microsoft's images lack it.
RUN if ! ldconfig -p | grep -q 'libgomp\.so\.1 '; then \
      apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgomp1 \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /app
COPY --from=build /out/ /app/
# The bundled model, so that the image serves something with no volume mounted (ModelLocator finds
# models/codegen-tiny beside the executable); docker-compose.yml mounts a models directory at /models instead.
COPY models/codegen-tiny/ /app/models/codegen-tiny/
COPY deploy/docker/server-entrypoint.sh /usr/local/bin/codegen-server
RUN chmod 0755 /usr/local/bin/codegen-server
# Microsoft's images' unprivileged app user (uid 1654); the server only reads its model and adapters.
USER 1654:1654
ENV CODEGEN_HOST=0.0.0.0 CODEGEN_PORT=8080
EXPOSE 8080
# /health answers 200 once the model is loaded (503 before) and needs no API key. bash's /dev/tcp: the image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CODEGEN_PORT:-8080} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/codegen-server"]
