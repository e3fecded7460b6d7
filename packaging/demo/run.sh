#!/usr/bin/env bash
# Installs the build dependencies (Debian 12), builds the agent, and runs it in the foreground on
# 127.0.0.1:5353 with the bundled sample cluster state. No Mesos needed; /etc/resolv.conf untouched.
# Usage: bash packaging/demo/run.sh      then, in another shell: dig @127.0.0.1 -p 5353 myapp.dev.marathon.mesos
set -euo pipefail
cd "$(dirname "$0")/../.."

bash packaging/apt-install.sh build-essential cmake pkg-config libevent-dev libldns-dev nlohmann-json3-dev libsimdjson-dev libdeflate-dev \
  libcurl4-openssl-dev zlib1g-dev libsystemd-dev libzookeeper-mt-dev dnsutils

cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDNS_TESTS=OFF >/dev/null
cmake --build build-demo -j "$(nproc)" --target mesos-dns-agent
echo "Serving the demo cluster on 127.0.0.1:5353; try: dig @127.0.0.1 -p 5353 myapp.dev.marathon.mesos"
exec build-demo/mesos-dns-agent -config packaging/demo/config.json
