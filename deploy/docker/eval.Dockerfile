# The CodeGen evaluation harness (eval/) as a one-shot runner that executes generated code in the Docker sandbox
# (one container per sample, started on the host's daemon through the mounted socket). Build from the repository root:
#   docker build -f deploy/docker/eval.Dockerfile -t codegen-eval .
# The sandbox image (codegen-eval-sandbox:latest) must exist on the host's daemon: eval/Sandbox/Docker/build-image.sh
# builds it. The .NET base images are arguments (docs/DEPLOY.md).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY evalstore/CodeGen.Eval.Store.csproj evalstore/
COPY eval/CodeGen.Eval.csproj eval/
RUN dotnet restore eval/CodeGen.Eval.csproj
COPY evalstore/ evalstore/
COPY eval/ eval/
RUN dotnet publish eval/CodeGen.Eval.csproj -c Release --no-restore -o /out && test -f /out/CodeGen.Eval.dll

# The runtime image with ASP.NET Core is not needed by eval, but the plain .NET runtime it contains is; one base
# argument for all three images keeps the local build to two base images.
FROM ${DOTNET_RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /out/ /app/
COPY deploy/docker/eval-entrypoint.sh /usr/local/bin/codegen-eval
RUN chmod 0755 /usr/local/bin/codegen-eval
# Where the sandbox's bind mounts come from: see eval-entrypoint.sh (the same path on the host and in here).
ENV CODEGEN_EVAL_SHARED=/var/lib/codegen-eval
ENTRYPOINT ["/usr/local/bin/codegen-eval"]
CMD ["--help"]
