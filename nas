#!/usr/bin/env bash
# NasActors' entry point: `./nas demo`, `./nas test`, `./nas <command> ...` (see `./nas --help`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

# oneDNN's AVX-512 convolution kernels give NaN input gradients with 2 threads on these machines; AVX2 does not.
export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-AVX2}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# Installs a Debian package unless a file it provides is already there.
ensure_package() {
  local package="$1" marker="$2"
  [ -e "$marker" ] && return 0
  echo "installing $package (provides $marker) ..." >&2
  as_root apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null \
    || { echo "error: could not install $package; install it yourself: apt-get install $package" >&2; exit 2; }
}

wants_default_data() {
  local arg
  for arg in "$@"; do case "$arg" in --data-dir|--data-dir=*|--help|-h|-\?) return 1;; esac; done
  return 0
}

build() {
  local log
  log="$(mktemp)"
  if ! dotnet build "$root/src/NasActors.Cli/NasActors.Cli.csproj" -c Release -v quiet -nologo >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "error: build failed (output above)" >&2; exit 1
  fi
  rm -f "$log"
}

run_tests() {
  exec bash "$root/.ci/test.sh" "$@"
}

case "${1:-}" in
  test)
    shift
    # The dashboard's end-to-end test drives Debian's headless Chromium; the cluster tests journal to PostgreSQL;
    # the compose file is validated by Debian's docker-compose (no engine needed).
    ensure_package chromium /usr/bin/chromium
    ensure_package postgresql /usr/lib/postgresql
    ensure_package docker-compose /usr/bin/docker-compose
    run_tests "$@" ;;
  demo|train-child|groundtruth|rankbench|interference|node)
    if wants_default_data "$@"; then ensure_package dataset-fashion-mnist /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz; fi ;;
  cluster)
    # `cluster up` runs its own PostgreSQL and trains on Fashion-MNIST.
    if [ "${2:-}" = up ]; then
      ensure_package postgresql /usr/lib/postgresql
      ensure_package dataset-fashion-mnist /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
    fi ;;
  bench)
    # The PyTorch peer of `bench train` runs under Debian's python3-torch; the actor benchmarks train on Fashion-MNIST.
    if [ "${2:-}" = train ] && wants_default_data "$@"; then ensure_package python3-torch /usr/lib/python3/dist-packages/torch/__init__.py; fi
    case "${2:-}" in overhead|concurrency|cluster)
      if wants_default_data "$@"; then ensure_package dataset-fashion-mnist /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz; fi ;;
    esac
    # `bench cluster` starts its own PostgreSQL.
    if [ "${2:-}" = cluster ]; then ensure_package postgresql /usr/lib/postgresql; fi ;;
esac
[ "${NAS_SKIP_BUILD:-0}" = 1 ] || build
exec dotnet "$root/src/NasActors.Cli/bin/Release/net10.0/nas.dll" "$@"
