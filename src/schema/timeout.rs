//! cttimeout (NFNL_SUBSYS_CTNETLINK_TIMEOUT, 8): timeout policies, as
//! include/uapi/linux/netfilter/nfnetlink_cttimeout.h and
//! net/netfilter/nfnetlink_cttimeout.c define them. There is no YNL spec: names are
//! the kernel constants without their set prefix, lowercased, `_` as `-`
//! (`CTA_TIMEOUT_TCP_CLOSE_WAIT` -> `close-wait`).
//!
//! `data` is a sub-message: its set is the layer-4 protocol's, chosen by the
//! sibling `l4proto` (`ctnl_timeout_parse_policy` asks `l4proto->ctnl_timeout`;
//! unknown protocols get the generic tracker's). Every timeout is a big-endian u32
//! of seconds (`ntohl(nla_get_be32(...)) * HZ`). nftables' ct timeout objects carry
//! the same data (`nft_ct_timeout_obj_init`).

use super::enums::{FAMILY, IP_PROTO};
use super::{AttrDef as A, AttrSet, Display as D, SubMessage, Type as T};

/// `enum ctattr_timeout`: a timeout policy (`cttimeout_nla_policy`).
pub static TIMEOUT: AttrSet = AttrSet {
    name: "cttimeout",
    attrs: &[
        // NLA_NUL_STRING, .len = CTNL_TIMEOUT_NAME_MAX - 1
        A::new(1, "name", "CTA_TIMEOUT_NAME", T::NulString).len(0, 32),
        A::new(2, "l3proto", "CTA_TIMEOUT_L3PROTO", T::U16).display(D::Enum(&FAMILY)),
        A::new(3, "l4proto", "CTA_TIMEOUT_L4PROTO", T::U8).display(D::Enum(&IP_PROTO)),
        A::new(4, "data", "CTA_TIMEOUT_DATA", T::Sub(&TIMEOUT_DATA)),
        A::new(5, "use", "CTA_TIMEOUT_USE", T::U32),
    ],
};

/// The per-protocol timeouts of `data`, by `l4proto`.
pub static TIMEOUT_DATA: SubMessage = SubMessage {
    name: "timeout-data",
    selector: "l4proto",
    cases: &[
        (6, &TCP),
        (17, &UDP),
        (136, &UDPLITE),
        (1, &ICMP),
        (58, &ICMPV6),
        (33, &DCCP),
        (132, &SCTP),
        (47, &GRE),
    ],
    default: Some(&GENERIC),
};

/// `enum ctattr_timeout_generic`.
pub static GENERIC: AttrSet = AttrSet {
    name: "timeout-generic",
    attrs: &[A::new(1, "timeout", "CTA_TIMEOUT_GENERIC_TIMEOUT", T::U32)],
};

/// `enum ctattr_timeout_tcp` (nf_conntrack_proto_tcp.c, tcp_timeout_nla_policy).
pub static TCP: AttrSet = AttrSet {
    name: "timeout-tcp",
    attrs: &[
        A::new(1, "syn-sent", "CTA_TIMEOUT_TCP_SYN_SENT", T::U32),
        A::new(2, "syn-recv", "CTA_TIMEOUT_TCP_SYN_RECV", T::U32),
        A::new(3, "established", "CTA_TIMEOUT_TCP_ESTABLISHED", T::U32),
        A::new(4, "fin-wait", "CTA_TIMEOUT_TCP_FIN_WAIT", T::U32),
        A::new(5, "close-wait", "CTA_TIMEOUT_TCP_CLOSE_WAIT", T::U32),
        A::new(6, "last-ack", "CTA_TIMEOUT_TCP_LAST_ACK", T::U32),
        A::new(7, "time-wait", "CTA_TIMEOUT_TCP_TIME_WAIT", T::U32),
        A::new(8, "close", "CTA_TIMEOUT_TCP_CLOSE", T::U32),
        A::new(9, "syn-sent2", "CTA_TIMEOUT_TCP_SYN_SENT2", T::U32),
        A::new(10, "retrans", "CTA_TIMEOUT_TCP_RETRANS", T::U32),
        A::new(11, "unack", "CTA_TIMEOUT_TCP_UNACK", T::U32),
    ],
};

/// `enum ctattr_timeout_udp`.
pub static UDP: AttrSet = AttrSet {
    name: "timeout-udp",
    attrs: &[
        A::new(1, "unreplied", "CTA_TIMEOUT_UDP_UNREPLIED", T::U32),
        A::new(2, "replied", "CTA_TIMEOUT_UDP_REPLIED", T::U32),
    ],
};

/// `enum ctattr_timeout_udplite` (udplite is tracked by the udp code).
pub static UDPLITE: AttrSet = AttrSet {
    name: "timeout-udplite",
    attrs: &[
        A::new(1, "unreplied", "CTA_TIMEOUT_UDPLITE_UNREPLIED", T::U32),
        A::new(2, "replied", "CTA_TIMEOUT_UDPLITE_REPLIED", T::U32),
    ],
};

/// `enum ctattr_timeout_icmp`.
pub static ICMP: AttrSet = AttrSet {
    name: "timeout-icmp",
    attrs: &[A::new(1, "timeout", "CTA_TIMEOUT_ICMP_TIMEOUT", T::U32)],
};

/// `enum ctattr_timeout_icmpv6`.
pub static ICMPV6: AttrSet = AttrSet {
    name: "timeout-icmpv6",
    attrs: &[A::new(1, "timeout", "CTA_TIMEOUT_ICMPV6_TIMEOUT", T::U32)],
};

/// `enum ctattr_timeout_dccp`. The DCCP tracker was removed in 6.17 (a 6.18 kernel
/// answers EOPNOTSUPP); decoded for older kernels.
pub static DCCP: AttrSet = AttrSet {
    name: "timeout-dccp",
    attrs: &[
        A::new(1, "request", "CTA_TIMEOUT_DCCP_REQUEST", T::U32),
        A::new(2, "respond", "CTA_TIMEOUT_DCCP_RESPOND", T::U32),
        A::new(3, "partopen", "CTA_TIMEOUT_DCCP_PARTOPEN", T::U32),
        A::new(4, "open", "CTA_TIMEOUT_DCCP_OPEN", T::U32),
        A::new(5, "closereq", "CTA_TIMEOUT_DCCP_CLOSEREQ", T::U32),
        A::new(6, "closing", "CTA_TIMEOUT_DCCP_CLOSING", T::U32),
        A::new(7, "timewait", "CTA_TIMEOUT_DCCP_TIMEWAIT", T::U32),
    ],
};

/// `enum ctattr_timeout_sctp`. `heartbeat-acked` is no longer used since the SCTP
/// states were unified (6.2/6.3), but `sctp_timeout_obj_to_nlattr` still dumps every
/// number up to CTA_TIMEOUT_SCTP_MAX: 6.1 and 6.18 both send nine timeouts, this
/// one 0 (nfct 1.4.7 prints the first seven).
pub static SCTP: AttrSet = AttrSet {
    name: "timeout-sctp",
    attrs: &[
        A::new(1, "closed", "CTA_TIMEOUT_SCTP_CLOSED", T::U32),
        A::new(2, "cookie-wait", "CTA_TIMEOUT_SCTP_COOKIE_WAIT", T::U32),
        A::new(3, "cookie-echoed", "CTA_TIMEOUT_SCTP_COOKIE_ECHOED", T::U32),
        A::new(4, "established", "CTA_TIMEOUT_SCTP_ESTABLISHED", T::U32),
        A::new(5, "shutdown-sent", "CTA_TIMEOUT_SCTP_SHUTDOWN_SENT", T::U32),
        A::new(6, "shutdown-recd", "CTA_TIMEOUT_SCTP_SHUTDOWN_RECD", T::U32),
        A::new(
            7,
            "shutdown-ack-sent",
            "CTA_TIMEOUT_SCTP_SHUTDOWN_ACK_SENT",
            T::U32,
        ),
        A::new(
            8,
            "heartbeat-sent",
            "CTA_TIMEOUT_SCTP_HEARTBEAT_SENT",
            T::U32,
        ),
        A::new(
            9,
            "heartbeat-acked",
            "CTA_TIMEOUT_SCTP_HEARTBEAT_ACKED",
            T::U32,
        ),
    ],
};

/// `enum ctattr_timeout_gre`.
pub static GRE: AttrSet = AttrSet {
    name: "timeout-gre",
    attrs: &[
        A::new(1, "unreplied", "CTA_TIMEOUT_GRE_UNREPLIED", T::U32),
        A::new(2, "replied", "CTA_TIMEOUT_GRE_REPLIED", T::U32),
    ],
};
