# syntax=docker/dockerfile:1
# PIAF image: the SPA is built with Node, embedded in a static Go binary, and
# shipped on a distroless base (no shell, no package manager, non-root user).

FROM node:20-bookworm-slim AS spa
WORKDIR /src
COPY package.json package-lock.json ./
COPY frontend/package.json frontend/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund --workspace frontend
COPY frontend frontend
RUN mkdir -p backend/internal/web/dist && npm run build -w frontend

FROM golang:1.26-bookworm AS binary
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY backend backend
COPY --from=spa /src/backend/internal/web/dist backend/internal/web/dist
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/lab-ia/piaf/backend/internal/buildinfo.version=${VERSION}" \
      -o /out/piaf ./backend/cmd/piaf

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=binary /out/piaf /usr/local/bin/piaf
ENV PIAF_ADDR=:8080 PIAF_DATA_DIR=/var/lib/piaf PIAF_ENV=production
VOLUME /var/lib/piaf
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/piaf"]
CMD ["serve"]
