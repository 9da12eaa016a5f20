# The greeter client image (its node_modules/ carries @grpc/grpc-js-xds for the proxyless chapter): grpc-lb-lab/greeter-client:dev.
# Build from the repository root (the extension's "Build Images" does this with minikube's docker-env):
#   docker build --file samples/images/client.Dockerfile --tag grpc-lb-lab/greeter-client:dev .

# The Node base of both stages: by default the pinned official image (docker, minikube). A builder without a
# registry may pass another with --build-arg NODE_IMAGE=…; `npm run cluster:images` needs none, as it builds
# a local image under this default name (Debian bookworm + this Node release).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY proto ./proto
COPY samples ./samples
# dist/client.js (esbuild) + proto/ + only the node_modules the bundle leaves external
RUN node samples/images/bundle.mjs client /out

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /out ./
# the image's "node" user; the manifests run it with runAsNonRoot and a read-only root filesystem
USER 1000:1000
ENTRYPOINT ["node", "dist/client.js"]
