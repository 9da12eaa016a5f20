# The greeter server image: grpc-lb-lab/greeter-server:dev. The build context is the built extension — the
# installed extension's folder (what "Build Sample Images" uses) or a clone after `npm run build`:
#   docker build --file samples/images/server.Dockerfile --tag grpc-lb-lab/greeter-server:dev .
# dist/server.js is self-contained (esbuild bundle; the protos its libraries read are in proto/vendor).

# The pinned official Node LTS image. A builder without a registry may pass another with
# --build-arg NODE_IMAGE=…; `npm run cluster:images` needs none, as it builds a local image under this
# default name (Debian bookworm + this Node release).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --chown=0:0 dist/server.js ./dist/
COPY --chown=0:0 proto ./proto
# the image's "node" user; the manifests run it with runAsNonRoot and a read-only root filesystem
USER 1000:1000
EXPOSE 50051
ENTRYPOINT ["node", "dist/server.js"]
