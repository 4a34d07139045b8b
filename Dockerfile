# flexfun-script: one static binary in a distroless image, running as non-root.
#
#   docker build -t flexfun-script .
#   docker run --rm -p 17001:17001 -p 8877:8877 -p 17101:17101 flexfun-script
#
# The image serves the scripts in /srv/flexfun/functions (the bundled examples
# until you mount or copy your own) with /etc/flexfun/server.toml and
# /etc/flexfun/flexfun.toml. In production mount your own configuration, TLS
# material and tokens: see docs/deployment.md.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/flexfun-script ./cmd/flexfun-script

# distroless/static has CA certificates and /etc/passwd with the nonroot user
# (65532), and nothing else: no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flexfun-script /usr/local/bin/flexfun-script
COPY deploy/container/server.toml deploy/container/flexfun.toml /etc/flexfun/
COPY scripts/examples/ /srv/flexfun/functions/
WORKDIR /srv/flexfun
USER 65532:65532
# Flight (gRPC), health (/ready, /live), Prometheus metrics.
EXPOSE 17001 8877 17101
# No HEALTHCHECK: the image has no shell or HTTP client to run one. Point the
# orchestrator's HTTP probes at port 8877 (/ready and /live) instead.
ENTRYPOINT ["/usr/local/bin/flexfun-script", "start"]
CMD ["--config", "/etc/flexfun/server.toml", "/etc/flexfun/flexfun.toml"]
