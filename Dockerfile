# syntax=docker/dockerfile:1
#
# veille: a static binary on distroless.
#
#   docker build -t veille .
#   docker run --rm -p 8080:8080 -v veille-data:/data veille serve -archive /srv/examples/archive
#
# docker-compose.yml runs it next to Ollama; compose_test.go checks both files.

FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, so that editing the sources does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
# CGO is off so that the binary runs on distroless/static: Badger, Gin and the
# rest of the dependencies are pure Go.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/veille ./cmd/veille

# distroless has no shell to run mkdir, so the data directory is made here and
# copied with the nonroot owner. A fresh named volume mounted on /data takes
# that owner, so the server can write to it without running as root.
RUN mkdir -p /out/data

# Runtime: distroless static, no shell, no package manager, uid 65532.
#
# No HEALTHCHECK: the image has neither a shell nor curl to run one, and veille
# has no subcommand that probes its own /healthz. Compose therefore gates on
# Ollama's health (ollama list) and on the model pull finishing, not on
# veille's; probe http://localhost:8080/readyz from outside (or from an
# orchestrator's HTTP probe) instead. Adding curl through debian-slim would
# make the image several times larger for one probe.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/veille /veille
COPY --from=build --chown=nonroot:nonroot /out/data /data
COPY examples/archive /srv/examples/archive

ENV VEILLE_DATA_DIR=/data \
    VEILLE_ADDR=:8080 \
    VEILLE_LOG_FORMAT=json

VOLUME /data
EXPOSE 8080
USER nonroot:nonroot

ENTRYPOINT ["/veille"]
CMD ["serve"]
