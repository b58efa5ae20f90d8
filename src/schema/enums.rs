//! Enums and flag sets of the conntrack schema, with the kernel's values.
//!
//! Names are the netlink spec's kebab-case where the spec has them; where the spec is
//! wrong (status bit 12, sctp state 1) the kernel's name wins and the entry says so.

/// A named enumeration: value -> name.
#[derive(Debug)]
pub struct Enum {
    /// Enum name.
    pub name: &'static str,
    /// Known values.
    pub values: &'static [(u64, &'static str)],
    /// Every value of the field is legitimate; names are only for the well-known
    /// ones (IP protocols, address families): no `enum_out_of_range` finding.
    pub open: bool,
}

impl Enum {
    /// The name of `value`, if known.
    pub fn name_of(&self, value: u64) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, n)| *n)
    }

    /// The value of `name`, if known.
    pub fn value_of(&self, name: &str) -> Option<u64> {
        self.values
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(v, _)| *v)
    }
}

/// A named set of flag bits: mask -> name.
#[derive(Debug)]
pub struct Flags {
    /// Flag set name.
    pub name: &'static str,
    /// Known bits (single-bit masks).
    pub bits: &'static [(u64, &'static str)],
}

impl Flags {
    /// Union of every known bit.
    pub fn known_mask(&self) -> u64 {
        self.bits.iter().fold(0, |acc, (m, _)| acc | m)
    }

    /// The bit mask of flag `name`.
    pub fn value_of(&self, name: &str) -> Option<u64> {
        self.bits
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(v, _)| *v)
    }
}

/// `enum ip_conntrack_status` (nf_conntrack_common.h), spec `nf-ct-status`.
/// Bit 12 is IPS_UNTRACKED in the kernel; the spec calls it `nat-clash`.
pub static CT_STATUS: Flags = Flags {
    name: "nf-ct-status",
    bits: &[
        (1 << 0, "expected"),
        (1 << 1, "seen-reply"),
        (1 << 2, "assured"),
        (1 << 3, "confirmed"),
        (1 << 4, "src-nat"),
        (1 << 5, "dst-nat"),
        (1 << 6, "seq-adj"),
        (1 << 7, "src-nat-done"),
        (1 << 8, "dst-nat-done"),
        (1 << 9, "dying"),
        (1 << 10, "fixed-timeout"),
        (1 << 11, "template"),
        (1 << 12, "untracked"),
        (1 << 13, "helper"),
        (1 << 14, "offload"),
        (1 << 15, "hw-offload"),
    ],
};

/// `enum tcp_conntrack` (nf_conntrack_tcp.h), spec `nf-ct-tcp-state`. Only values
/// below TCP_CONNTRACK_MAX (10) travel in CTA_PROTOINFO_TCP_STATE.
pub static TCP_STATE: Enum = Enum {
    name: "nf-ct-tcp-state",
    open: false,
    values: &[
        (0, "none"),
        (1, "syn-sent"),
        (2, "syn-recv"),
        (3, "established"),
        (4, "fin-wait"),
        (5, "close-wait"),
        (6, "last-ack"),
        (7, "time-wait"),
        (8, "close"),
        (9, "syn-sent2"),
    ],
};

/// `enum sctp_conntrack` (nf_conntrack_sctp.h), spec `nf-ct-sctp-state`. Value 1 is
/// SCTP_CONNTRACK_CLOSED; the spec misspells it `cloned`. Heartbeat states 8 and 9
/// exist since 5.x (the spec stops at 8).
pub static SCTP_STATE: Enum = Enum {
    name: "nf-ct-sctp-state",
    open: false,
    values: &[
        (0, "none"),
        (1, "closed"),
        (2, "cookie-wait"),
        (3, "cookie-echoed"),
        (4, "established"),
        (5, "shutdown-sent"),
        (6, "shutdown-recd"),
        (7, "shutdown-ack-sent"),
        (8, "heartbeat-sent"),
        (9, "heartbeat-acked"),
    ],
};

/// `enum ct_dccp_states` (nf_conntrack_dccp.h). Not in the spec.
pub static DCCP_STATE: Enum = Enum {
    name: "ct-dccp-state",
    open: false,
    values: &[
        (0, "none"),
        (1, "request"),
        (2, "respond"),
        (3, "partopen"),
        (4, "open"),
        (5, "closereq"),
        (6, "closing"),
        (7, "timewait"),
        (8, "ignore"),
        (9, "invalid"),
    ],
};

/// `enum ct_dccp_roles` (nf_conntrack_dccp.h).
pub static DCCP_ROLE: Enum = Enum {
    name: "ct-dccp-role",
    open: false,
    values: &[(0, "client"), (1, "server")],
};

/// `IP_CT_TCP_FLAG_*` (nf_conntrack_tcp.h), spec `nf-ct-tcp-flags`. Bit 0x20 is
/// IP_CT_TCP_FLAG_MAXACK_SET (the spec says `maxack`).
pub static TCP_FLAGS: Flags = Flags {
    name: "nf-ct-tcp-flags",
    bits: &[
        (0x01, "window-scale"),
        (0x02, "sack-perm"),
        (0x04, "close-init"),
        (0x08, "be-liberal"),
        (0x10, "unacked"),
        (0x20, "maxack-set"),
        (0x40, "challenge-ack"),
        (0x80, "simultaneous-open"),
    ],
};

/// `NF_CT_EXPECT_*` (nf_conntrack_common.h) in CTA_EXPECT_FLAGS.
pub static EXPECT_FLAGS: Flags = Flags {
    name: "nf-ct-expect-flags",
    bits: &[(1, "permanent"), (2, "inactive"), (4, "userspace")],
};

/// `CTA_FILTER_F_*` (net/netfilter/nf_conntrack_netlink.c), the bits of
/// CTA_FILTER_ORIG_FLAGS / CTA_FILTER_REPLY_FLAGS. The kernel answers -EOPNOTSUPP to
/// any other bit (CTA_FILTER_F_ALL = 0xfff).
pub static FILTER_FLAGS: Flags = Flags {
    name: "ct-filter-flags",
    bits: &[
        (1 << 0, "ip-src"),
        (1 << 1, "ip-dst"),
        (1 << 2, "tuple-zone"),
        (1 << 3, "proto-num"),
        (1 << 4, "proto-src-port"),
        (1 << 5, "proto-dst-port"),
        (1 << 6, "proto-icmp-type"),
        (1 << 7, "proto-icmp-code"),
        (1 << 8, "proto-icmp-id"),
        (1 << 9, "proto-icmpv6-type"),
        (1 << 10, "proto-icmpv6-code"),
        (1 << 11, "proto-icmpv6-id"),
    ],
};

/// `enum ip_conntrack_dir` in CTA_EXPECT_NAT_DIR.
pub static CT_DIR: Enum = Enum {
    name: "ct-dir",
    open: false,
    values: &[(0, "original"), (1, "reply")],
};

/// nfgenmsg.nfgen_family: an `NFPROTO_*` value (include/uapi/linux/netfilter.h),
/// named as nft names its families. ctnetlink's AF_INET (2) and AF_INET6 (10) are
/// NFPROTO_IPV4 and NFPROTO_IPV6; nftables' inet tables are NFPROTO_INET (1),
/// which as an AF_* would read AF_UNIX.
pub static FAMILY: Enum = Enum {
    name: "family",
    open: true,
    values: &[
        (0, "unspec"),
        (1, "inet"),
        (2, "ipv4"),
        (3, "arp"),
        (5, "netdev"),
        (7, "bridge"),
        (10, "ipv6"),
        (12, "decnet"),
    ],
};

/// IP protocol numbers conntrack tracks (`IPPROTO_*`), named as in /etc/protocols.
pub static IP_PROTO: Enum = Enum {
    name: "ip-proto",
    open: true,
    values: &[
        (0, "ip"),
        (1, "icmp"),
        (2, "igmp"),
        (4, "ipip"),
        (6, "tcp"),
        (17, "udp"),
        (33, "dccp"),
        (41, "ipv6"),
        (47, "gre"),
        (50, "esp"),
        (51, "ah"),
        (58, "icmpv6"),
        (132, "sctp"),
        (136, "udplite"),
    ],
};

/// The errno name and text of a (positive) error number, as Linux/glibc define them.
pub fn errno(code: u32) -> Option<(&'static str, &'static str)> {
    let entry = match code {
        1 => ("EPERM", "Operation not permitted"),
        2 => ("ENOENT", "No such file or directory"),
        3 => ("ESRCH", "No such process"),
        4 => ("EINTR", "Interrupted system call"),
        5 => ("EIO", "Input/output error"),
        6 => ("ENXIO", "No such device or address"),
        7 => ("E2BIG", "Argument list too long"),
        9 => ("EBADF", "Bad file descriptor"),
        11 => ("EAGAIN", "Resource temporarily unavailable"),
        12 => ("ENOMEM", "Cannot allocate memory"),
        13 => ("EACCES", "Permission denied"),
        14 => ("EFAULT", "Bad address"),
        16 => ("EBUSY", "Device or resource busy"),
        17 => ("EEXIST", "File exists"),
        19 => ("ENODEV", "No such device"),
        22 => ("EINVAL", "Invalid argument"),
        24 => ("EMFILE", "Too many open files"),
        28 => ("ENOSPC", "No space left on device"),
        34 => ("ERANGE", "Numerical result out of range"),
        38 => ("ENOSYS", "Function not implemented"),
        61 => ("ENODATA", "No data available"),
        71 => ("EPROTO", "Protocol error"),
        75 => ("EOVERFLOW", "Value too large for defined data type"),
        90 => ("EMSGSIZE", "Message too long"),
        93 => ("EPROTONOSUPPORT", "Protocol not supported"),
        95 => ("EOPNOTSUPP", "Operation not supported"),
        97 => ("EAFNOSUPPORT", "Address family not supported by protocol"),
        105 => ("ENOBUFS", "No buffer space available"),
        110 => ("ETIMEDOUT", "Connection timed out"),
        _ => return None,
    };
    Some(entry)
}
