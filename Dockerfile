# The operator's image: built with the full toolchain, run with only what the operator needs
# (compiled dist/, production node_modules, the CRDs), as a non-root user.
#   npm run build:image   (docker build -t native-container-operator:<version> .)
# The base images are build arguments, so a mirror, a distroless Node or a local stand-in can
# replace them. No RUN in the final stage: it needs no shell.
ARG BUILD_IMAGE=node:26-bookworm-slim
ARG RUNTIME_IMAGE=node:26-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The base image brings Node; the install script of the pinned `node` dev dependency would
# download a second one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/check-node.mjs scripts/
COPY src src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# Type declarations and source maps are never loaded at run time: about 40 MB, mostly in the
# generated API clients of @kubernetes/client-node.
RUN find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -exec rm -f {} +

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
# src/api/schema.ts reads the CRDs at run time from ../../crds/ next to dist/api/.
COPY crds crds
# A numeric user, so that runAsNonRoot can check it without an /etc/passwd entry.
USER 65532:65532
ENTRYPOINT ["node", "dist/main.js"]
