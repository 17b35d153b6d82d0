# reward-server: build with the Swift toolchain, run on a slim Debian with only the libraries the binary loads.
#
#   docker build -t reward-server:0.1.0 .
#   docker run --rm -p 8080:8080 -v reward-cache:/data --stop-timeout 35 reward-server:0.1.0
#
# Configuration comes from REWARD_SERVER_* environment variables (see README); only --host is a flag here,
# because a flag would override the variable of the same setting. Give `docker run` a --stop-timeout longer
# than the drain timeout (25 s) so that SIGTERM can finish requests in flight before SIGKILL.

FROM swift:6.3-bookworm AS build
# The toolchain image already has libcurl4-openssl-dev; it is listed because --static-swift-stdlib links
# FoundationNetworking against libcurl by name (-lcurl), which needs the development package.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libopenblas-dev libssl-dev zlib1g-dev pkg-config libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused until Package.swift (or Package.resolved) changes.
COPY Package.* ./
RUN swift package resolve
# Package.swift names the test targets, so their sources must be present; their fixtures are not (.dockerignore).
COPY Sources Sources
COPY Tests Tests
# Swift's runtime and Foundation linked in: the binary then needs only libc, libstdc++, OpenBLAS and libcurl.
# Copied out of .build so that the next stage copies a plain file rather than a path through .build's symlinks.
RUN swift build -c release --static-swift-stdlib --product reward-server \
    && cp .build/release/reward-server /usr/local/bin/reward-server

FROM debian:bookworm-slim
# libopenblas0-pthread is the OpenBLAS that libopenblas-dev builds against; libcurl4 (with ca-certificates)
# carries the Hub downloads; curl is for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0-pthread libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
# A fixed numeric id, so that Kubernetes can check runAsNonRoot; /data belongs to it before it becomes a
# volume, so a new named volume starts out writable.
RUN groupadd --system --gid 10001 reward \
    && useradd --system --uid 10001 --gid reward --home-dir /data --no-create-home --shell /usr/sbin/nologin reward \
    && mkdir /data \
    && chown reward:reward /data
COPY --from=build /usr/local/bin/reward-server /usr/local/bin/reward-server

# The Hugging Face cache ($HF_HOME/hub): keep it on a volume and a restart does not download the model again.
ENV HF_HOME=/data
VOLUME /data
USER 10001:10001
EXPOSE 8080
# /health answers while the process runs, whatever the model is doing; readiness is /ready. The start period
# covers a first start that downloads the model (~440 MB) before the listener may be up.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 --start-period=10s \
    CMD ["sh", "-c", "curl -fsS -o /dev/null http://127.0.0.1:${REWARD_SERVER_PORT:-8080}/health || exit 1"]
ENTRYPOINT ["reward-server"]
CMD ["serve", "--host", "0.0.0.0"]
