#!/usr/bin/env bash
# Builds the libnetfilter_conntrack oracle (tests/oracle/nfct_oracle.c) into
# target/oracle/nfct_oracle, installing the Debian package
# libnetfilter-conntrack-dev (and pkg-config) first when the library is missing
# and we are root. Prints the binary's path; exits 1 when it cannot be built (no
# root, no package): the callers then say that the oracle comparison is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/oracle/nfct_oracle
if ! pkg-config --exists libnetfilter_conntrack 2>/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "tests/oracle/build.sh: libnetfilter_conntrack is not installed (and cannot install it here)" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnetfilter-conntrack-dev pkg-config >&2
fi
mkdir -p target/oracle
if [ ! -x "$out" ] || [ tests/oracle/nfct_oracle.c -nt "$out" ]; then
    # shellcheck disable=SC2046
    cc -Wall -O2 -o "$out" tests/oracle/nfct_oracle.c $(pkg-config --cflags --libs libnetfilter_conntrack) >&2
fi
echo "$out"
