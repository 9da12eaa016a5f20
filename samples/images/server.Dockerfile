# The greeter server image: grpc-lb-lab/greeter-server:dev. The build context is the built extension — the
# installed extension's folder (what "Build Sample Images" uses) or a clone after `npm run build`:
#   docker build --file samples/images/server.Dockerfile --tag grpc-lb-lab/greeter-server:dev .
# dist/server.js is self-contained (esbuild bundle; the protos its libraries read are in proto/vendor).

# The official Node LTS image, pinned by the digest Docker Hub serves for this tag (the image index recorded
# in docker-library/repo-info, repos/node/remote/24.18.1-bookworm-slim.md): a moved tag cannot change what is
# built. A builder without a registry passes its own base with --build-arg NODE_IMAGE=… (setting
# grpcLb.images.buildArgs); `npm run cluster:images` builds one under the tag (Debian bookworm + this Node release).
ARG NODE_IMAGE=node:24.18.1-bookworm-slim@sha256:235600a8101ab264e117b1768e925532262668dc9b581ef1dd7d96ced463b8e7
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --chown=0:0 dist/server.js ./dist/
COPY --chown=0:0 proto ./proto
# the image's "node" user; the manifests run it with runAsNonRoot and a read-only root filesystem
USER 1000:1000
EXPOSE 50051
ENTRYPOINT ["node", "dist/server.js"]
