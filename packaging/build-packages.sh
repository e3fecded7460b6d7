#!/usr/bin/env bash
# Builds the Debian and RPM packages of mesos-dns-agent (Debian 12 as the build machine): installs
# the build dependencies, configures a Release build with Debian's hardening flags, and runs CPack.
# Usage: bash packaging/build-packages.sh [-B BUILD_DIR] [-D CMAKE_VAR=VALUE]...
#   The packages land in BUILD_DIR (default build-pkg): mesos-dns-agent_<version>_<arch>.deb and
#   mesos-dns-agent-<version>.<arch>.rpm. -D passes cache variables, e.g. -D MDNS_PACKAGE_VERSION=0.2.0.
#   MDNS_BUILD_LOCK=FILE: compile under flock FILE (machines where builds take turns).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-pkg
defines=()
while [ $# -gt 0 ]; do
  case "$1" in
    -B) build="$2"; shift 2 ;;
    -D) defines+=("-D$2"); shift 2 ;;
    *) echo "usage: $0 [-B BUILD_DIR] [-D CMAKE_VAR=VALUE]..." >&2; exit 2 ;;
  esac
done

bash packaging/apt-install.sh build-essential cmake pkg-config libevent-dev libldns-dev nlohmann-json3-dev libsimdjson-dev libdeflate-dev \
  libcurl4-openssl-dev zlib1g-dev libsystemd-dev libzookeeper-mt-dev dpkg-dev rpm

# Debian's hardening (fortify, stack protector, relro, bindnow, PIE), as a Debian build would get them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
export CXXFLAGS LDFLAGS

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DMDNS_TESTS=OFF \
  ${defines[@]+"${defines[@]}"} >/dev/null
lock=()
[ -n "${MDNS_BUILD_LOCK:-}" ] && lock=(flock "$MDNS_BUILD_LOCK")
${lock[@]+"${lock[@]}"} cmake --build "$build" -j "$(nproc)"
(cd "$build" && cpack -G "DEB;RPM")
