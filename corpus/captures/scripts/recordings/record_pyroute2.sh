#!/bin/bash
# B.1 host/pyroute2_ct: pyroute2 0.9.7's conntrack API (scripts/pyroute2_ct.py) under strace,
# in the scratch netns recpyr (loopback only; created and deleted here).
set -u
S=$(cd "$(dirname "$0")" && pwd)                    # corpus/captures/scripts/recordings
REPO=$(cd "$S/../../../.." && pwd); OUT=$REPO/corpus/captures/more
NS=recpyr; T=${TMPDIR:-/tmp}/rec-pyr; TXT=$OUT/pyroute2_ct.txt
PY=${PY:-python3}     # the interpreter pyroute2 is installed in (recorded: Python 3.11.7 + pyroute2 0.9.7, see more/host-versions.txt)
rm -rf $T; mkdir -p $T $OUT; : > $TXT
ip netns add $NS; ip -n $NS link set lo up
. $S/rec.sh
echo "# netns $NS, kernel $(uname -r); pyroute2 $($PY -c 'import pyroute2; print(pyroute2.__version__)'), python $($PY -c 'import sys; print(sys.version.split()[0])')" >> $TXT
echo "# (nlmsg_pid of pyroute2's requests is its process id / a per-socket value, as pyroute2 sets it)" >> $TXT
cp $S/pyroute2_ct.py $T/
cd $T
t $PY pyroute2_ct.py
ip netns del $NS
convert $OUT/pyroute2_ct
