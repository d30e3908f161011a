#!/usr/bin/env bash
# Installs what wasmap's tests and benchmarks need on a fresh Debian machine:
# the daemons the tests start on loopback, nmap for the benchmarks, wabt and
# the Rust toolchain for building plugins, then npm packages and the build.
# Run as root (or with sudo). Idempotent. Fails, one line per gap, if the
# list misses a package that something the build or the tests run needs.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
mapfile -t pkgs < <(grep -v '^\s*#' .ci/apt-packages.txt | grep -v '^\s*$')
# Keep apt from starting the system copies of these daemons (nginx on :80,
# sshd on :22, …): the tests start their own on loopback.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  added_policy=1
fi
trap '[ -n "$added_policy" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
# Before the build, which would otherwise fail on the first gap with a
# compiler's message (cargo: "linker `rust-lld` not found") instead of this
# check's one line naming the package to add.
node scripts/check-deps.mjs
npm ci --no-audit --no-fund
npm run build
