# The CodeGen dashboard (web/), multi-stage. Build from the repository root:
#   docker build -f deploy/docker/web.Dockerfile -t codegen-web .
# It reads the results store that `eval run` writes (--db) and training metrics (--training-dir); it never calls the
# server. The .NET base images are arguments (docs/DEPLOY.md).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY evalstore/CodeGen.Eval.Store.csproj evalstore/
COPY web/CodeGen.Web.csproj web/
RUN dotnet restore web/CodeGen.Web.csproj
COPY evalstore/ evalstore/
COPY web/ web/
RUN dotnet publish web/CodeGen.Web.csproj -c Release --no-restore -o /out && test -f /out/CodeGen.Web.dll

FROM ${DOTNET_RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /out/ /app/
# Root in the container: SQLite opens the WAL-mode store read-only but still maps its -shm file, which must be
# writable by the reader, and the store is written by the eval container (as root). docker-compose.yml drops
# every capability and makes the root filesystem read-only.
EXPOSE 5080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5080 && printf 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "/app/CodeGen.Web.dll"]
CMD ["--urls", "http://0.0.0.0:5080", "--db", "/results/results.db", "--training-dir", "/training"]
