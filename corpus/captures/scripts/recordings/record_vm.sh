#!/bin/bash
# Records the nlmon-VM captures (corpus/captures/more: cttimeout, cthelper, cthelper_conntrackd,
# nft_ctobj, nfqueue_ct, nflog_ct, ftp_events): builds the static listeners, then runs the
# nlmon-vm kit copy (nlmon-vm-kit/, changed: conntrackd + conntrack-tools helper plugins in the
# guest, conntrackd -v in versions.txt) with vm-scenarios.sh.
# Usage: corpus/captures/scripts/recordings/record_vm.sh [scenario ...]   (none: all of them)
# Scratch: WORK (default ${TMPDIR:-/tmp}/nfct-nlmon-vmwork: debs, initramfs, console.log, out/)
# and BIN (default ${TMPDIR:-/tmp}/nfct-nlmon-vmbin: the static nfq_ct / nflog_ct).
# Results: NAME.pcap / NAME.txt / NAME.tcpdump.log in corpus/captures/more, the guest's
# versions.txt as more/vm-versions.txt, the console log as more/vm-console.log.
set -eu
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
WORK=${WORK:-${TMPDIR:-/tmp}/nfct-nlmon-vmwork}
BIN=${BIN:-${TMPDIR:-/tmp}/nfct-nlmon-vmbin}
mkdir -p "$BIN" "$OUT" "$WORK"
gcc -static -O2 -Wall -Wextra -Wno-unused-function -o "$BIN/nfq_ct" "$S/nfq_ct.c"
gcc -static -O2 -Wall -Wextra -Wno-unused-function -o "$BIN/nflog_ct" "$S/nflog_ct.c"
cd "$S/nlmon-vm-kit"
RC=0
WORK=$WORK SCENARIOS=$S/vm-scenarios.sh EXTRA=$BIN VM_TIMEOUT=900 \
  ./all.sh DEST="$OUT" "$@" || RC=$?
# the repository's names for the guest's versions.txt and the console log of this run
if [ -e "$OUT/versions.txt" ]; then mv -f "$OUT/versions.txt" "$OUT/vm-versions.txt"; fi
if [ -e "$WORK/console.log" ]; then cp "$WORK/console.log" "$OUT/vm-console.log"; fi
exit $RC
