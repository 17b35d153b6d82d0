#!/usr/bin/env bash
# Builds the container image from the Dockerfile as it is, without a Docker engine, then runs it and checks it.
#
#   sudo bash Scripts/build-image.sh        (root: buildah with the vfs storage driver and chroot isolation)
#
# 1. Base images, made once and reused by later runs (REBUILD_BASES=1 makes them again):
#    - docker.io/library/debian:12: a `debootstrap --variant=minbase bookworm` tree; debian:bookworm-slim: the
#      same without documentation, manual pages and translations;
#    - docker.io/library/swift:6.3-bookworm: debian:12 with the packages the official swift:6.3-bookworm image
#      installs (swift-docker 6.3/debian/12/Dockerfile) and this machine's Swift 6.3 toolchain under /usr.
# 2. `buildah bud --pull=never` of the Dockerfile as it is (a release build inside the image: slow on 2 cores).
#    Where git reaches GitHub only through a local mirror, the build's RUN steps borrow it read-only.
# 3. Runs the image as its Dockerfile says (entrypoint, command, environment, user 10001) in its own mount and
#    PID namespaces, the server as PID 1, on a read-only root with /data as a fresh writable volume, and
#    checks: the binary's libraries all resolve, uid 10001, the root read-only, /ready, /score against the
#    Python reference scores, the image's HEALTHCHECK command (exit 0 while the server runs, 1 once it is
#    gone), SIGTERM -> exit status 0. Twice: with the fixture model mounted read-only at /model, then with
#    the same model downloaded into the empty volume from a Hub endpoint on 127.0.0.1 (Scripts/static_hub.py).
# Prints each step; exits 1 at the first failure. Leaves no mount or process behind; the images and the
# checking container stay in buildah's storage (`buildah --storage-driver vfs images`).
#
# Env: IMAGE (default reward-server:0.1.0), MODEL_DIR (default Tests/Fixtures/models/tiny-v2-cased-st, with its
# goldens in Tests/Fixtures/goldens/scores-<name>.jsonl), SWIFT_TOOLCHAIN (the toolchain's usr folder; default
# the one `swift` runs from), DEBIAN_MIRROR (default http://deb.debian.org/debian), WORK (default
# .cache/image), REBUILD_BASES (1: make the base images again), SKIP_BUILD (1: check the existing image only).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
IMAGE=${IMAGE:-reward-server:0.1.0}
MODEL_DIR=$(realpath "${MODEL_DIR:-$REPO/Tests/Fixtures/models/tiny-v2-cased-st}")
GOLDENS=$REPO/Tests/Fixtures/goldens/scores-$(basename "$MODEL_DIR").jsonl
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${WORK:-$REPO/.cache/image}
DEBIAN_FULL_IMAGE=docker.io/library/debian:12
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
SWIFT_IMAGE=docker.io/library/swift:6.3-bookworm
CONTAINER=reward-server-image-check
BUILDAH=(buildah --storage-driver vfs)
BUD=("${BUILDAH[@]}" bud --isolation chroot --pull=never)

step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
die() {
    printf 'build-image: FAILED: %s\n' "$*" >&2
    exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root (buildah's vfs storage and chroot isolation need it)"
for tool in buildah debootstrap unshare chroot curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install buildah debootstrap)"
done
[[ -f "$MODEL_DIR/config.json" ]] || die "no model at $MODEL_DIR"
[[ -f "$GOLDENS" ]] || die "no reference scores at $GOLDENS"
mkdir -p "$WORK"

image_exists() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }
# Images this run replaces lose their names; they are removed once nothing is built on them any more.
REPLACED=()
remember_replaced() {
    local id
    id=$("${BUILDAH[@]}" inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true)
    [[ -z $id ]] || REPLACED+=("$id")
}
drop_replaced() {
    local id
    for _ in 1 2 3 4; do
        for id in "${REPLACED[@]}"; do
            if "${BUILDAH[@]}" images --filter dangling=true --no-trunc --format '{{.ID}}' | grep -q "$id"; then
                "${BUILDAH[@]}" rmi "$id" >/dev/null 2>&1 || true
            fi
        done
    done
}
# The container the checks below run in: made again from the new image each run.
"${BUILDAH[@]}" rm "$CONTAINER" >/dev/null 2>&1 || true

# --- 1. base images -----------------------------------------------------------------------------------------
if [[ ${REBUILD_BASES:-0} == 1 ]] || ! image_exists "$DEBIAN_IMAGE" || ! image_exists "$DEBIAN_FULL_IMAGE"; then
    step "base images $DEBIAN_FULL_IMAGE and $DEBIAN_IMAGE (debootstrap --variant=minbase bookworm)"
    remember_replaced "$DEBIAN_FULL_IMAGE"
    remember_replaced "$DEBIAN_IMAGE"
    BASES_REBUILT=1
    rm -rf "$WORK/debian"
    mkdir -p "$WORK/debian"
    ROOTFS=$WORK/debian/rootfs
    debootstrap --variant=minbase bookworm "$ROOTFS" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || die "debootstrap (log: $WORK/debootstrap.log)"
    # The sources the official images list (release, updates, security), and no package lists or caches.
    rm -f "$ROOTFS/etc/apt/sources.list"
    cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' >"$ROOTFS/etc/apt/apt.conf.d/no-cache"
    rm -rf "$ROOTFS/var/lib/apt/lists/"* "$ROOTFS/var/cache/apt/"*.bin "$ROOTFS/var/cache/apt/archives/"*.deb
    # As the official images: the default PATH in the configuration, bash as the command.
    cat >"$WORK/debian/Containerfile" <<'EOF'
FROM scratch
COPY rootfs /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
EOF
    "${BUD[@]}" --quiet -t "$DEBIAN_FULL_IMAGE" -f "$WORK/debian/Containerfile" "$WORK/debian" >/dev/null
    ok "$DEBIAN_FULL_IMAGE (the official swift image's base)"
    # The slim variant, as Debian's own: no documentation, manual pages or translations, neither now nor from
    # later installs; copyright files stay.
    cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
    find "$ROOTFS/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$ROOTFS/usr/share/man/"* "$ROOTFS/usr/share/groff/"* "$ROOTFS/usr/share/info/"* \
        "$ROOTFS/usr/share/lintian/"* "$ROOTFS/usr/share/locale/"*
    "${BUD[@]}" --quiet -t "$DEBIAN_IMAGE" -f "$WORK/debian/Containerfile" "$WORK/debian" >/dev/null
    rm -rf "$WORK/debian"
    ok "$DEBIAN_IMAGE ($("${BUILDAH[@]}" images --format '{{.Size}}' "$DEBIAN_IMAGE" | head -n 1))"
else
    ok "$DEBIAN_FULL_IMAGE and $DEBIAN_IMAGE present (REBUILD_BASES=1 makes them again)"
fi

if [[ ${BASES_REBUILT:-0} == 1 ]] || ! image_exists "$SWIFT_IMAGE"; then
    TOOLCHAIN=${SWIFT_TOOLCHAIN:-$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")}
    [[ -x "$TOOLCHAIN/bin/swift" && $(basename "$TOOLCHAIN") == usr && $TOOLCHAIN != /usr ]] \
        || die "SWIFT_TOOLCHAIN=$TOOLCHAIN is not a toolchain's own usr folder (e.g. /opt/swift/usr)"
    "$TOOLCHAIN/bin/swift" --version 2>&1 | grep -q 'Swift version 6\.3' || die "the toolchain at $TOOLCHAIN is not Swift 6.3"
    step "base image $SWIFT_IMAGE (toolchain from $TOOLCHAIN)"
    remember_replaced "$SWIFT_IMAGE"
    # The official image's packages, then the toolchain unpacked over /usr as its tarball would be. The
    # toolchain's parent folder is the build context; only its usr folder is read.
    cat >"$WORK/Containerfile.swift" <<'EOF'
FROM docker.io/library/debian:12
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true && apt-get -q update && \
    apt-get -q install -y binutils libicu-dev libcurl4-openssl-dev libedit-dev libsqlite3-dev libncurses-dev \
        libpython3-dev libxml2-dev pkg-config uuid-dev tzdata git gcc libstdc++-12-dev \
    && rm -r /var/lib/apt/lists/*
COPY usr /usr
RUN chmod -R o+r /usr/lib/swift && swift --version
EOF
    start=$SECONDS
    "${BUD[@]}" -t "$SWIFT_IMAGE" -f "$WORK/Containerfile.swift" "$(dirname "$TOOLCHAIN")" >"$WORK/swift-image.log" 2>&1 \
        || die "building $SWIFT_IMAGE (log: $WORK/swift-image.log)"
    ok "$SWIFT_IMAGE in $((SECONDS - start)) s"
else
    ok "$SWIFT_IMAGE present"
fi

# --- 2. the product image from the Dockerfile -------------------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    # The Dockerfile's `swift package resolve` clones from GitHub. A machine that reaches GitHub only through a
    # local mirror (git's url.<mirror>.insteadOf in the system configuration) lends that mirror and the one
    # rewrite to the build's RUN steps, read-only; neither ends up in an image.
    MIRROR_MOUNTS=()
    mirror=$(git config --system --get-regexp '^url\..*\.insteadof$' '^https://github.com/$' 2>/dev/null \
        | sed -n 's/^url\.\(.*\)\.insteadof .*/\1/p' | head -n 1 || true)
    if [[ -n $mirror && -d $mirror ]]; then
        printf '[url "%s"]\n\tinsteadOf = https://github.com/\n' "$mirror" >"$WORK/gitconfig"
        MIRROR_MOUNTS=(--volume "${mirror%/}:${mirror%/}:ro" --volume "$WORK/gitconfig:/etc/gitconfig:ro")
        ok "GitHub packages come from the mirror $mirror, as on this machine"
    fi
    step "buildah bud --pull=never -t $IMAGE . (log: $WORK/build.log)"
    remember_replaced "$IMAGE"
    start=$SECONDS
    # Docker's image format: the OCI format has no HEALTHCHECK.
    if ! "${BUD[@]}" "${MIRROR_MOUNTS[@]}" --format docker -t "$IMAGE" -f Dockerfile . >"$WORK/build.log" 2>&1; then
        tail -n 30 "$WORK/build.log" >&2
        die "the Dockerfile does not build (log: $WORK/build.log)"
    fi
    BUILD_SECONDS=$((SECONDS - start))
    drop_replaced
    ok "built in ${BUILD_SECONDS} s"
fi
image_exists "$IMAGE" || die "no image $IMAGE (build it: run without SKIP_BUILD)"
SIZE=$("${BUILDAH[@]}" images --format '{{.Size}}' "$IMAGE" | head -n 1)
ok "$IMAGE: $SIZE"

# --- 3. run it and check it ---------------------------------------------------------------------------------
step "run $IMAGE as its Dockerfile says"
"${BUILDAH[@]}" from --pull=never --name "$CONTAINER" "$IMAGE" >/dev/null
ROOT=$("${BUILDAH[@]}" mount "$CONTAINER")
SERVER_JOB=""
SERVER_PID=""
HUB_JOB=""
DATA=""
cleanup() {
    [[ -z $HUB_JOB ]] || kill -TERM "$HUB_JOB" 2>/dev/null || true
    # The server first: it changed its uid, which clears the parent-death signal unshare --kill-child set, and
    # as PID 1 of its namespace its end takes the namespace (and its mounts) with it.
    if [[ -n $SERVER_JOB ]] && kill -0 "$SERVER_JOB" 2>/dev/null; then
        for pid in $SERVER_PID $(ps -o pid= --ppid "$SERVER_JOB" || true); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        kill -KILL "$SERVER_JOB" 2>/dev/null || true
        wait "$SERVER_JOB" 2>/dev/null || true
    fi
    "${BUILDAH[@]}" umount "$CONTAINER" >/dev/null 2>&1 || true
    [[ -z $DATA ]] || rm -rf "$DATA"
}
trap cleanup EXIT

# The image's configuration: environment, user, entrypoint + command, health check.
CONFIG=$("${BUILDAH[@]}" inspect --type image "$IMAGE")
config() { python3 -c "import json, sys; c = json.loads(sys.argv[1])['Docker']['config']; $1" "$CONFIG"; }
mapfile -t IMAGE_ENV < <(config '[print(e) for e in c.get("Env") or []]')
mapfile -t COMMAND < <(config '[print(a) for a in (c.get("Entrypoint") or []) + (c.get("Cmd") or [])]')
mapfile -t HEALTHCHECK < <(config '[print(a) for a in ((c.get("Healthcheck") or {}).get("Test") or [])]')
USER_SPEC=$(config 'print(c.get("User") or "")')
[[ $USER_SPEC == 10001:10001 ]] || die "the image runs as '$USER_SPEC', not 10001:10001"
[[ ${HEALTHCHECK[0]:-} == CMD ]] || die "the image has no HEALTHCHECK CMD (got: ${HEALTHCHECK[*]:-none})"
HEALTHCHECK=("${HEALTHCHECK[@]:1}")
ok "user $USER_SPEC; command: ${COMMAND[*]}"
ok "environment: ${IMAGE_ENV[*]}"

missing=$(chroot "$ROOT" ldd /usr/local/bin/reward-server | grep 'not found' || true)
[[ -z $missing ]] || die "libraries the binary needs are missing from the image: $missing"
ok "every library the binary links resolves in the image"

DATA=$(mktemp -d "$WORK/data.XXXXXX")
mkdir -p "$ROOT/model"
export ROOT DATA MODEL_DIR

# A private mount namespace (its mounts vanish with it) and PID namespace (the server is PID 1, as in a
# container): the root read-only, /data the volume, the model read-only at /model, a fresh /proc, a minimal /dev.
# shellcheck disable=SC2016 # expanded by the shell that runs it, where ROOT, DATA and MODEL_DIR are exported
SETUP='
set -e
mount --bind "$ROOT" "$ROOT"
mount --bind "$DATA" "$ROOT/data"
mount --bind -o ro "$MODEL_DIR" "$ROOT/model"
mount -t proc proc "$ROOT/proc"
mount -t tmpfs -o mode=755,nosuid tmpfs "$ROOT/dev"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<<"$node"
    mknod -m 666 "$ROOT/dev/$name" c "$major" "$minor"
done
mkdir "$ROOT/dev/shm" && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ROOT/dev/shm"
mount -o remount,bind,ro "$ROOT"
'

# Starts the image's command as `docker run -e ...` would, with the given variables added to the image's
# environment and $DATA as a fresh volume; sets SERVER_JOB (unshare) and SERVER_PID (the server).
start_server() {
    rm -rf "$DATA" && mkdir "$DATA" && chown 10001:10001 "$DATA"
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    BASE=http://127.0.0.1:$PORT
    RUN_ENV=("${IMAGE_ENV[@]}" HOME=/data HOSTNAME=reward-server REWARD_SERVER_PORT="$PORT"
        REWARD_SERVER_THREADS=1 REWARD_SERVER_LOG_FORMAT=text "$@")
    declare -p RUN_ENV >"$WORK/run-env.sh"
    unshare --mount --propagation private --pid --fork --kill-child -- bash -c "
$SETUP
source '$WORK/run-env.sh'
exec chroot --userspec=10001:10001 \"\$ROOT\" env -i \"\${RUN_ENV[@]}\" $(printf '%q ' "${COMMAND[@]}")
" >"$WORK/server.log" 2>&1 </dev/null &
    SERVER_JOB=$!
    # The server is unshare's only child once bash has exec'd chroot, env and then the binary.
    SERVER_PID=""
    for _ in $(seq 100); do
        SERVER_PID=$(ps -o pid= --ppid "$SERVER_JOB" | tr -d ' ' || true)
        [[ -n $SERVER_PID && $(readlink "/proc/$SERVER_PID/exe" 2>/dev/null) == */reward-server ]] && break
        SERVER_PID=""
        sleep 0.1
    done
    [[ -n $SERVER_PID ]] || { cat "$WORK/server.log" >&2; die "the server did not start"; }
    ok "server pid $SERVER_PID (PID 1 in its namespace), port $PORT, $*"
}

wait_ready() {
    for _ in $(seq 600); do
        kill -0 "$SERVER_JOB" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited before it was ready"; }
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready" || true) == 200 ]]; then
            ok "GET /ready -> 200"
            return
        fi
        sleep 0.2
    done
    cat "$WORK/server.log" >&2
    die "/ready did not answer 200 within 120 s"
}

# /score on three reference pairs, one request each (one with alpha 10): fp32 against the Python reference, tolerance 1e-4 per
# unit of |alpha| (see Tests/Fixtures/goldens/README.md).
check_scores() {
    python3 - "$BASE" "$GOLDENS" <<'EOF' || die "/score does not match the reference scores"
import json, sys, urllib.request
base, goldens = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in open(goldens, encoding="utf-8")][:3]
scores = []
for row in rows:
    body = json.dumps({"prompt": row["prompt"], "response": row["response"], "alpha": row["alpha"]}).encode()
    request = urllib.request.Request(base + "/score", data=body, headers={"Content-Type": "application/json"})
    try:
        answer = json.load(urllib.request.urlopen(request, timeout=30))
    except Exception as error:
        sys.exit(f"POST /score: {error}")
    score = answer.get("score")
    tolerance = 1e-4 * max(1.0, abs(row["alpha"]))
    if not isinstance(score, float) or abs(score - row["score"]) > tolerance:
        sys.exit(f"POST /score answered {answer} for alpha {row['alpha']}, reference {row['score']} (tolerance {tolerance})")
    scores.append(score)
print("   ok: POST /score -> " + ", ".join(f"{s:.6f}" for s in scores) + " (reference "
      + ", ".join(f"{r['score']:.6f}" for r in rows) + ", tolerance 1e-4 x |alpha|)")
EOF
}

# SIGTERM to the server (PID 1 in its namespace): it must drain and exit 0, well before the drain timeout
# since nothing is in flight.
stop_server() {
    local start=$SECONDS status=0
    kill -TERM "$SERVER_PID"
    for _ in $(seq 350); do
        kill -0 "$SERVER_JOB" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$SERVER_JOB" 2>/dev/null && die "the server did not exit within 35 s of SIGTERM"
    wait "$SERVER_JOB" || status=$?
    SERVER_JOB=""
    [[ $status -eq 0 ]] || { tail -n 20 "$WORK/server.log" >&2; die "SIGTERM -> exit status $status, not 0"; }
    ok "SIGTERM -> exit status 0 after $((SECONDS - start)) s"
}

# The HEALTHCHECK command as Docker runs it: inside the container, as its user, with its environment.
run_healthcheck() {
    nsenter --target "$SERVER_PID" --mount -- chroot --userspec=10001:10001 "$ROOT" \
        env -i "${RUN_ENV[@]}" timeout 5 "${HEALTHCHECK[@]}"
}

step "run $IMAGE on $MODEL_DIR mounted at /model (REWARD_SERVER_MODEL=/model)"
start_server REWARD_SERVER_MODEL=/model
wait_ready
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$SERVER_PID/status")
[[ $uids == "10001 10001 10001 10001" ]] || die "the server runs with uids $uids, not 10001"
ok "the server runs as uid 10001 (real, effective, saved, filesystem)"
nsenter --target "$SERVER_PID" --mount -- chroot --userspec=10001:10001 "$ROOT" \
    sh -c 'touch /probe 2>/dev/null' && die "the image's root is writable"
nsenter --target "$SERVER_PID" --mount -- chroot --userspec=10001:10001 "$ROOT" \
    sh -c 'touch /data/probe && rm /data/probe' || die "/data is not writable by uid 10001"
ok "root read-only, /data writable by uid 10001"
check_scores
run_healthcheck || die "the HEALTHCHECK command fails against a running server: ${HEALTHCHECK[*]}"
ok "HEALTHCHECK (${HEALTHCHECK[*]}) -> exit 0"
stop_server

# With the server gone the same HEALTHCHECK command must fail with 1, Docker's "unhealthy" (run in a fresh
# namespace set up like the server's; a failed set-up would give another status).
status=0
# shellcheck disable=SC2016 # "$@" belongs to the inner shell
unshare --mount --propagation private -- bash -c "$SETUP"'
    exec chroot --userspec=10001:10001 "$ROOT" env -i "$@"' _ "${RUN_ENV[@]}" timeout 5 "${HEALTHCHECK[@]}" \
    2>/dev/null || status=$?
[[ $status -eq 1 ]] || die "the HEALTHCHECK command with no server running exits $status, not 1"
ok "HEALTHCHECK with the server stopped -> exit 1"

# A first start on an empty volume: the model comes from a Hub endpoint (the same folder served on 127.0.0.1,
# every file checked against its sha256) through the image's libcurl into /data/hub.
step "run $IMAGE downloading the model from a Hub endpoint into the empty /data volume"
REPO_ID=fixtures/$(basename "$MODEL_DIR")
rm -f "$WORK/hub.port"
python3 "$REPO/Scripts/static_hub.py" "$MODEL_DIR" "$REPO_ID" "$WORK/hub.port" 2>"$WORK/hub.log" &
HUB_JOB=$!
for _ in $(seq 50); do
    [[ -s $WORK/hub.port ]] && break
    sleep 0.1
done
[[ -s $WORK/hub.port ]] || die "the local Hub endpoint did not start (log: $WORK/hub.log)"
start_server REWARD_SERVER_MODEL="$REPO_ID" HF_ENDPOINT="http://127.0.0.1:$(cat "$WORK/hub.port")"
wait_ready
check_scores
snapshot=$(find "$DATA/hub" -path '*/snapshots/*' -name config.json 2>/dev/null | head -n 1)
[[ -n $snapshot ]] || die "no snapshot under the volume's hub/ after the download"
owner=$(stat -c %u "$(readlink -f "$snapshot")")
[[ $owner == 10001 ]] || die "the downloaded files belong to uid $owner, not 10001"
ok "model cached in the volume: ${snapshot#"$DATA"/}"
stop_server
kill -TERM "$HUB_JOB" 2>/dev/null || true
wait "$HUB_JOB" 2>/dev/null || true
HUB_JOB=""

step "image $IMAGE: $SIZE${BUILD_SECONDS:+, Dockerfile build ${BUILD_SECONDS} s}; all checks passed"
