#!/bin/bash
# Build $WORK/initrd.gz + $WORK/vmlinuz from the .debs fetched by fetch.sh.
# Usage: WORK=/tmp/nlmon-vm-work [SCENARIOS=my-scenarios.sh] [EXTRA=my-bin-dir] ./build-initramfs.sh
#   SCENARIOS  shell file installed as the guest's /scenarios.sh (default: guest/example-scenarios.sh)
#   EXTRA      directory whose files are copied into the guest's /usr/local/bin, modes kept
#              (default: none). Static binaries are safest; dynamically linked ones get the
#              libraries ldd lists, as the host tools below do.
# Userspace tools (tcpdump, conntrack, nfct, nft, ip) and their shared libraries are copied from
# this (Debian 12) host; busybox-static provides /bin/sh and the rest; OpenBSD netcat is 'ncat'.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/nlmon-vm-work}
SCENARIOS=${SCENARIOS:-$HERE/guest/example-scenarios.sh}
EXTRA=${EXTRA:-}
[ -f "$SCENARIOS" ] || { echo "SCENARIOS=$SCENARIOS: no such file" >&2; exit 1; }
[ -z "$EXTRA" ] || [ -d "$EXTRA" ] || { echo "EXTRA=$EXTRA: no such directory" >&2; exit 1; }
D=$WORK/debs
X=$WORK/x            # unpacked debs
R=$WORK/root         # initramfs root
rm -rf "$X" "$R"; mkdir -p "$X/k" "$X/bb" "$X/km" "$X/nc" "$R"
dpkg -x "$(ls "$D"/linux-image-[0-9]*.deb | head -1)" "$X/k"
dpkg -x "$(ls "$D"/busybox-static_*.deb | head -1)" "$X/bb"
dpkg -x "$(ls "$D"/kmod_*.deb | head -1)" "$X/km"
dpkg -x "$(ls "$D"/netcat-openbsd_*.deb | head -1)" "$X/nc"
# syntax check of the scenario files with the guest's own shell (saves a boot on a typo)
"$X/bb/bin/busybox" sh -n "$HERE/guest/lib.sh"
"$X/bb/bin/busybox" sh -n "$SCENARIOS" || { echo "SCENARIOS=$SCENARIOS: syntax error (busybox sh -n)" >&2; exit 1; }
KVER=$(ls "$X/k/lib/modules" | head -1)
echo "KVER=$KVER"
cp "$X/k/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
# kmod applets are chosen by argv[0]; the .deb's symlinks are absolute, so make our own
ln -sf "$X/km/bin/kmod" "$X/depmod"; ln -sf "$X/km/bin/kmod" "$X/modprobe"
# the linux-image .deb ships no modules.dep (its postinst runs depmod)
"$X/depmod" -b "$X/k" "$KVER"
# NFQA_CT / NFULA_CT need the ctnetlink glue (built into nf_conntrack_netlink when this is y)
CFG=$(ls "$X/k/boot/config-$KVER")
grep -E '^# CONFIG_NETFILTER_NETLINK_GLUE_CT is not set|^CONFIG_NETFILTER_NETLINK_GLUE_CT=' "$CFG" || true
cp "$CFG" "$WORK/kernel.config"

# ---- modules: resolve load order (incl. softdeps such as crc32c for libcrc32c) on the host
WANT="virtio_pci 9pnet_virtio 9p nlmon nfnetlink nf_conntrack nf_conntrack_netlink
      nf_tables nft_ct nft_objref nft_chain_nat nft_nat nft_masq nft_redir
      nf_conntrack_ftp nf_nat_ftp nfnetlink_cthelper nfnetlink_cttimeout
      nfnetlink_queue nfnetlink_log nft_queue nft_log"
: > "$X/order"
for m in $WANT; do
  "$X/modprobe" -d "$X/k" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}' >> "$X/order"
done
MD=$R/lib/modules/$KVER
mkdir -p "$MD"
: > "$R/modules.order.load"
awk '!seen[$0]++' "$X/order" | while read -r p; do
  rel=${p#"$X/k/lib/modules/$KVER/"}
  mkdir -p "$MD/$(dirname "$rel")"
  case "$p" in
    *.xz)  xz -dc "$p"  > "$MD/${rel%.xz}";  rel=${rel%.xz};;
    *.zst) zstd -dc "$p" > "$MD/${rel%.zst}"; rel=${rel%.zst};;
    *)     cp "$p" "$MD/$rel";;
  esac
  echo "/lib/modules/$KVER/$rel" >> "$R/modules.order.load"
done
cp "$X/k/lib/modules/$KVER/modules.builtin"* "$X/k/lib/modules/$KVER/modules.order" "$MD/"
"$X/depmod" -b "$R" "$KVER"
echo "modules to insmod: $(wc -l < "$R/modules.order.load")"

# ---- busybox
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,out,root,run,var/run,lib/x86_64-linux-gnu,lib64,etc/xtables}
cp "$X/bb/bin/busybox" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do
  [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done

# ---- host tools + libs (ldd)
copy_libs() {  # copy_libs FILE: the shared libraries ldd lists for FILE (none for static files)
  { ldd "$1" 2>/dev/null || true; } | awk '/=>/ {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
    [ -n "$lib" ] || continue
    mkdir -p "$R/$(dirname "$lib")"
    [ -e "$R/$lib" ] || cp -L "$lib" "$R/$lib"
  done
}
copy_bin() {  # copy_bin NAME [PATH]
  local src; src=${2:-$(command -v "$1")}
  src=$(readlink -f "$src")
  install -m755 "$src" "$R/usr/sbin/$1"
  copy_libs "$src"
}
# the host tools (installed from Debian 12 when missing)
for t in tcpdump:tcpdump conntrack:conntrack nfct:nfct nft:nftables ip:iproute2; do
  command -v "${t%%:*}" >/dev/null || apt-get install -y --no-install-recommends "${t#*:}"
done
for b in tcpdump conntrack nfct nft ip; do copy_bin "$b"; done
# (nfct-decode recordings) conntrackd and the conntrack-tools helper plugins: nfct add helper
# and conntrackd's Helper mode dlopen() /usr/lib/x86_64-linux-gnu/conntrack-tools/ct_helper_*.so
command -v conntrackd >/dev/null || apt-get install -y --no-install-recommends conntrackd
copy_bin conntrackd
CTLIB=/usr/lib/x86_64-linux-gnu/conntrack-tools
mkdir -p "$R$CTLIB" "$R/var/lock" "$R/var/log"
for p in "$CTLIB"/*.so; do cp -L "$p" "$R$CTLIB/"; copy_libs "$p"; done
copy_bin ncat "$X/nc/bin/nc.openbsd"   # OpenBSD netcat, named ncat to get past busybox's nc
# prefer iproute2's ip over busybox's applet for programs that exec 'ip' (busybox ip lacks 'type nlmon')
rm -f "$R/bin/ip"; ln -s /usr/sbin/ip "$R/bin/ip"

# ---- your own programs: every file of $EXTRA into /usr/local/bin (modes kept, symlinks followed)
if [ -n "$EXTRA" ]; then
  cp -RpL "$EXTRA"/. "$R/usr/local/bin/"
  find "$R/usr/local/bin" -type f | while read -r f; do copy_libs "$f"; done
  echo "EXTRA: $(find "$R/usr/local/bin" -type f | wc -l) file(s) in /usr/local/bin"
fi

# ---- config files
cp /etc/protocols /etc/services "$R/etc/" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\ntcpdump:x:0:0:tcpdump:/:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\ntcpdump:x:0:\n' > "$R/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files\nservices: files\nprotocols: files\n' > "$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$R/etc/hosts"
# conntrack label names (conntrack -l/--label-add reads xtables/connlabel.conf, nft reads /etc/connlabel.conf)
for i in 0 1 2 3 4 5 6 7; do echo "$i label$i"; done > "$R/etc/xtables/connlabel.conf"
cp "$R/etc/xtables/connlabel.conf" "$R/etc/connlabel.conf"
echo "$KVER" > "$R/etc/kver"
grep -E 'CONFIG_NETFILTER_NETLINK_GLUE_CT|CONFIG_NF_CT_NETLINK|CONFIG_NETFILTER_NETLINK_(QUEUE|LOG)=|CONFIG_NF_CONNTRACK_TIMEOUT|CONFIG_NFT_(CT|QUEUE|LOG)=' "$CFG" > "$R/etc/kconfig-nf"

install -m755 "$HERE/guest/init" "$R/init"
install -m644 "$HERE/guest/lib.sh" "$R/lib.sh"
install -m755 "$SCENARIOS" "$R/scenarios.sh"
echo "scenarios: $SCENARIOS"

# busybox cpio from the .deb (the host may lack GNU cpio)
(cd "$R" && find . | "$X/bb/bin/busybox" cpio -o -H newc) | gzip -1 > "$WORK/initrd.gz"
ls -l "$WORK/vmlinuz" "$WORK/initrd.gz"
