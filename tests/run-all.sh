#!/usr/bin/env bash
# Installs what the build and the tests need (Debian 12), builds with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test (fuzz, unit, end-to-end, packaging and booted-systemd nodes) with CTest;
# then the unit and end-to-end tests again with ThreadSanitizer.
# Usage: bash tests/run-all.sh        (as root, or as a user who may sudo)
#   MDNS_BUILD_LOCK=FILE: compile under flock FILE (machines where builds take turns).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/apt-install.sh build-essential cmake pkg-config libevent-dev libldns-dev nlohmann-json3-dev libsimdjson-dev libdeflate-dev \
  libcurl4-openssl-dev zlib1g-dev libsystemd-dev libgtest-dev libgmock-dev googletest dnsutils python3 ca-certificates openssl \
  iproute2 util-linux nsd systemd clang libclang-rt-14-dev libzookeeper-mt-dev zookeeper python3-kazoo \
  dpkg-dev rpm lintian rpmlint busybox-static groff-base binutils \
  musl-tools golang-go default-jdk-headless nodejs python3-dnspython knot-dnsutils \
  mmdebstrap systemd-container

lock=()
[ -n "${MDNS_BUILD_LOCK:-}" ] && lock=(flock "$MDNS_BUILD_LOCK")

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The query path, the state parser, upstream replies and zone transfers under libFuzzer (clang), each for a bounded time. Findings
# stop the run.
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DMDNS_SANITIZE=ON -DMDNS_FUZZ=ON \
  -DMDNS_FUZZ_SECONDS="${MDNS_FUZZ_SECONDS:-60}" >/dev/null
${lock[@]+"${lock[@]}"} cmake --build build-fuzz -j "$(nproc)" --target fuzz_responder fuzz_state fuzz_upstream_reply fuzz_axfr fuzz_transfer
ctest --test-dir build-fuzz -R '^fuzz\.' --output-on-failure

# Everything else, with AddressSanitizer and UndefinedBehaviorSanitizer (gcc).
build=build-asan
werror=OFF; [ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DMDNS_SANITIZE=ON -DMDNS_WERROR="$werror" >/dev/null
${lock[@]+"${lock[@]}"} cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j 2

# The threads (DNS workers, the record source, ZooKeeper, reloads) under ThreadSanitizer: the unit
# tests and the end-to-end tests again with a ThreadSanitizer build of the agent (not the client
# matrix, the packages or the booted nodes, which do not run this build). A data race stops the
# agent, and the test that started it fails with the report.
tsan=build-tsan
cmake -S . -B "$tsan" -DCMAKE_BUILD_TYPE=Debug -DMDNS_TSAN=ON -DMDNS_WERROR="$werror" >/dev/null
${lock[@]+"${lock[@]}"} cmake --build "$tsan" -j "$(nproc)"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir "$tsan" --output-on-failure -j 2 -E '^(packaging|system|fuzz)\.|client_matrix'
