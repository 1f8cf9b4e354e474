# fleetd as one container next to the engine it drives.
#
#   docker build -t fleetd .
#   docker run -d --name fleetd --restart unless-stopped \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     -v fleetd-data:/data -p 127.0.0.1:8080:8080 \
#     -e FLEETD_WEBHOOK_SECRET_GITHUB_FILE=/run/secrets/webhook \
#     fleetd run --repo https://git.example/me/infra.git --branch main
#
# For Podman mount its socket instead (/run/podman/podman.sock) and set
# FLEETD_ENGINE=unix:///run/podman/podman.sock. The container needs the socket and
# nothing else from the host: the operator policy (--policy, mounted read-only) decides
# what fleet.yaml may ask of the host, never the repository.
#
# Without root: the image runs as root by default (a socket usually belongs to
# root:docker), but it works as the unprivileged `node` user (uid 1000, which owns
# /data) given the socket's group:
#   docker run --user 1000:$(stat -c %g /var/run/docker.sock) ...
# A socket only its owner may use (a Podman socket of mode 0600) needs root. Podman
# without systemd never runs the HEALTHCHECK by itself: `podman healthcheck run`.
#
# BASE is any Debian bookworm image with Node 24 and npm in the PATH and a uid 1000
# user (the public node image's layout). The test suite builds on a stand-in made
# from Debian's packages (test/support/fleetd-image.sh), as no registry is reachable there.

ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --loglevel=error
COPY tsconfig.json rolldown.config.ts ./
COPY src ./src
# The bundle only: the image runs dist/fleetd.js itself (ENTRYPOINT), never bin/fleetd.js,
# so the start-up snapshot `npm run build` adds for the one-shot commands is of no use here.
RUN npx rolldown -c rolldown.config.ts && rm -rf dist/snapshot && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# git and ssh for the repository, gnupg for --verify-commits with OpenPGP keys (SSH
# keys need only ssh-keygen, from openssh-client); nothing else runs in this image. A
# base that already has git and ssh (the suite's stand-in) needs no apt run, and so no
# network; without gpg it verifies SSH signatures only. The data volume
# starts as the image's /data: owned by uid 1000, so a non-root run (above) can write
# its checkout and state there.
RUN if ! command -v git >/dev/null || ! command -v ssh >/dev/null || [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then \
      apt-get update \
   && apt-get install -y --no-install-recommends git openssh-client ca-certificates gnupg \
   && rm -rf /var/lib/apt/lists/*; \
    fi \
 && mkdir -p /data && chown 1000:1000 /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ENV FLEETD_DATA_DIR=/data \
    FLEETD_LISTEN=0.0.0.0:8080 \
    FLEETD_LOG_FORMAT=json \
    NODE_ENV=production
VOLUME /data
EXPOSE 8080
# SIGTERM: webhooks answer 503, the current engine action finishes, exit 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FLEETD_LISTEN||'').split(':').pop()+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# No Node flags here: `fleetd run` gives itself the ones it needs (src/cli/daemonNodeFlags.ts).
ENTRYPOINT ["node", "dist/fleetd.js"]
CMD ["run"]
