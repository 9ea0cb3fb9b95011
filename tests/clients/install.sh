#!/usr/bin/env bash
# Installs the JavaScript client of tests/serve_clients.sh (@aws-sdk/client-ec2, pinned by
# package.json and package-lock.json) into tests/clients/node_modules with `npm ci`, only when
# node_modules is missing or stale: installed from another package-lock.json, package.json or
# major version of node than the ones here. Needs node 18 or later and npm
# (scripts/install-deps.sh --tests installs Debian's nodejs and npm).
set -euo pipefail
cd "$(dirname "$0")"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "tests/clients/install.sh: $tool is not installed (scripts/install-deps.sh --tests installs it)" >&2
    exit 2
  fi
done
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
  echo "tests/clients/install.sh: node $(node --version) is too old: @aws-sdk/client-ec2 needs 18 or later" >&2
  exit 2
fi
# What the installed tree was made from; npm ci again when it differs.
want="$(sha256sum package.json package-lock.json | cut -d' ' -f1 | tr '\n' ' ')node$major"
stamp=node_modules/.idemsim-installed
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/@aws-sdk/client-ec2/package.json ]; then
  exit 0
fi
echo "tests/clients/install.sh: npm ci (@aws-sdk/client-ec2 $(node -p 'require("./package.json").dependencies["@aws-sdk/client-ec2"]'), node $(node --version))"
# TLS: the system's certificate store (Debian's ca-certificates, and any CA the machine's
# administrator added to it, such as an egress proxy's), not only the one node ships with.
ca=()
[ -f /etc/ssl/certs/ca-certificates.crt ] && [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && ca=(--cafile /etc/ssl/certs/ca-certificates.crt)
npm ci --no-audit --no-fund --loglevel=error "${ca[@]}"
echo "$want" >"$stamp"
