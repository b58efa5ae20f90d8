//! The ctnetlink attribute sets (include/uapi/linux/netfilter/nfnetlink_conntrack.h),
//! numbered as the kernel numbers them, with the lengths of the kernel's nla_policy
//! tables in net/netfilter/nf_conntrack_netlink.c.
//!
//! Every number is written out: the tables are checked against the UAPI enums in
//! tests, and against the spec's mistakes (see each `spec_note`).

use super::enums::{
    CT_DIR, CT_STATUS, DCCP_ROLE, DCCP_STATE, EXPECT_FLAGS, FILTER_FLAGS, IP_PROTO, SCTP_STATE,
    TCP_STATE,
};
use super::{AttrDef as A, AttrSet, Display as D, Type as T};

/// `CTA_*`: the top level of CT NEW / GET / DELETE messages.
pub static CONNTRACK: AttrSet = AttrSet {
    name: "conntrack",
    attrs: &[
        A::new(1, "tuple-orig", "CTA_TUPLE_ORIG", T::Nest(&TUPLE)),
        A::new(2, "tuple-reply", "CTA_TUPLE_REPLY", T::Nest(&TUPLE)),
        A::new(3, "status", "CTA_STATUS", T::U32).display(D::Flags(&CT_STATUS)),
        A::new(4, "protoinfo", "CTA_PROTOINFO", T::Nest(&PROTOINFO)),
        A::new(5, "help", "CTA_HELP", T::Nest(&HELP)),
        A::new(6, "nat-src", "CTA_NAT_SRC", T::Nest(&NAT)),
        A::new(7, "timeout", "CTA_TIMEOUT", T::U32),
        A::new(8, "mark", "CTA_MARK", T::U32),
        A::new(9, "counters-orig", "CTA_COUNTERS_ORIG", T::Nest(&COUNTER)),
        A::new(10, "counters-reply", "CTA_COUNTERS_REPLY", T::Nest(&COUNTER)),
        A::new(11, "use", "CTA_USE", T::U32),
        A::new(12, "id", "CTA_ID", T::U32),
        A::new(13, "nat-dst", "CTA_NAT_DST", T::Nest(&NAT)),
        A::new(14, "tuple-master", "CTA_TUPLE_MASTER", T::Nest(&TUPLE)),
        A::new(15, "seq-adj-orig", "CTA_SEQ_ADJ_ORIG", T::Nest(&SEQADJ)),
        A::new(16, "seq-adj-reply", "CTA_SEQ_ADJ_REPLY", T::Nest(&SEQADJ)),
        A::new(17, "secmark", "CTA_SECMARK", T::U32).spec_note(
            "the spec says binary (obsolete); kernels before 2.6.37 sent a big-endian u32 \
             (ctnetlink_dump_secmark: NLA_PUT_BE32), which libnetfilter_conntrack reads \
             with ntohl; 6.18 never sends it (CTA_SECCTX instead) and its request policy \
             has no entry for it",
        ),
        A::new(18, "zone", "CTA_ZONE", T::U16),
        A::new(19, "secctx", "CTA_SECCTX", T::Nest(&SECCTX)),
        A::new(20, "timestamp", "CTA_TIMESTAMP", T::Nest(&TSTAMP))
            .spec_note("the spec declares timestamp a u64; the kernel sends a nest (start, stop)"),
        A::new(21, "mark-mask", "CTA_MARK_MASK", T::U32).display(D::Hex),
        A::new(22, "labels", "CTA_LABELS", T::Binary)
            .display(D::Labels)
            .len(0, 16),
        A::new(23, "labels-mask", "CTA_LABELS_MASK", T::Binary)
            .display(D::Labels)
            .len(0, 16)
            .spec_note("the spec spells it \"labels mask\""),
        A::new(24, "synproxy", "CTA_SYNPROXY", T::Nest(&SYNPROXY)),
        A::new(25, "filter", "CTA_FILTER", T::Nest(&FILTER))
            .spec_note("the spec nests tuple attributes here; the kernel's set is filter (orig-flags, reply-flags)"),
        A::new(26, "status-mask", "CTA_STATUS_MASK", T::U32).display(D::Flags(&CT_STATUS)),
        A::new(27, "timestamp-event", "CTA_TIMESTAMP_EVENT", T::U64)
            .display(D::TimestampNs)
            .reject_in_request(),
    ],
};

/// `CTA_TUPLE_*`: an original, reply or master tuple.
pub static TUPLE: AttrSet = AttrSet {
    name: "tuple",
    attrs: &[
        A::new(1, "tuple-ip", "CTA_TUPLE_IP", T::Nest(&TUPLE_IP)),
        A::new(2, "tuple-proto", "CTA_TUPLE_PROTO", T::Nest(&TUPLE_PROTO)),
        A::new(3, "tuple-zone", "CTA_TUPLE_ZONE", T::U16),
    ],
};

/// `CTA_IP_*`: layer-3 addresses of a tuple.
pub static TUPLE_IP: AttrSet = AttrSet {
    name: "tuple-ip",
    attrs: &[
        A::new(1, "ip-v4-src", "CTA_IP_V4_SRC", T::U32).display(D::Ipv4),
        A::new(2, "ip-v4-dst", "CTA_IP_V4_DST", T::U32).display(D::Ipv4),
        A::new(3, "ip-v6-src", "CTA_IP_V6_SRC", T::Binary)
            .display(D::Ipv6)
            .len(16, 0),
        A::new(4, "ip-v6-dst", "CTA_IP_V6_DST", T::Binary)
            .display(D::Ipv6)
            .len(16, 0),
    ],
};

/// `CTA_PROTO_*`: layer-4 part of a tuple. GRE keys travel in the port attributes.
pub static TUPLE_PROTO: AttrSet = AttrSet {
    name: "tuple-proto",
    attrs: &[
        A::new(1, "proto-num", "CTA_PROTO_NUM", T::U8).display(D::Enum(&IP_PROTO)),
        A::new(2, "proto-src-port", "CTA_PROTO_SRC_PORT", T::U16),
        A::new(3, "proto-dst-port", "CTA_PROTO_DST_PORT", T::U16),
        A::new(4, "proto-icmp-id", "CTA_PROTO_ICMP_ID", T::U16),
        A::new(5, "proto-icmp-type", "CTA_PROTO_ICMP_TYPE", T::U8),
        A::new(6, "proto-icmp-code", "CTA_PROTO_ICMP_CODE", T::U8),
        A::new(7, "proto-icmpv6-id", "CTA_PROTO_ICMPV6_ID", T::U16),
        A::new(8, "proto-icmpv6-type", "CTA_PROTO_ICMPV6_TYPE", T::U8),
        A::new(9, "proto-icmpv6-code", "CTA_PROTO_ICMPV6_CODE", T::U8),
    ],
};

/// CTA_TIMESTAMP_PAD where ctnetlink writes it in front of CTA_TIMESTAMP_EVENT at
/// the top level (see `schema::FOREIGN_PADS`): not a member of the set.
pub static TIMESTAMP_EVENT_PAD: A = A::new(3, "timestamp-pad", "CTA_TIMESTAMP_PAD", T::Pad)
    .spec_note(
        "the kernel pads the top-level timestamp-event with CTA_TIMESTAMP_PAD, which \
         is 3 in the tstamp set and CTA_STATUS at the top level",
    );

/// `CTA_PROTOINFO_*`: per-protocol state.
pub static PROTOINFO: AttrSet = AttrSet {
    name: "protoinfo",
    attrs: &[
        A::new(
            1,
            "protoinfo-tcp",
            "CTA_PROTOINFO_TCP",
            T::Nest(&PROTOINFO_TCP),
        ),
        A::new(
            2,
            "protoinfo-dccp",
            "CTA_PROTOINFO_DCCP",
            T::Nest(&PROTOINFO_DCCP),
        ),
        A::new(
            3,
            "protoinfo-sctp",
            "CTA_PROTOINFO_SCTP",
            T::Nest(&PROTOINFO_SCTP),
        ),
    ],
};

/// `CTA_PROTOINFO_TCP_*`. Destroy events carry only tcp-state.
pub static PROTOINFO_TCP: AttrSet = AttrSet {
    name: "protoinfo-tcp",
    attrs: &[
        A::new(1, "tcp-state", "CTA_PROTOINFO_TCP_STATE", T::U8).display(D::Enum(&TCP_STATE)),
        A::new(
            2,
            "tcp-wscale-original",
            "CTA_PROTOINFO_TCP_WSCALE_ORIGINAL",
            T::U8,
        ),
        A::new(
            3,
            "tcp-wscale-reply",
            "CTA_PROTOINFO_TCP_WSCALE_REPLY",
            T::U8,
        ),
        A::new(
            4,
            "tcp-flags-original",
            "CTA_PROTOINFO_TCP_FLAGS_ORIGINAL",
            T::Binary,
        )
        .display(D::TcpFlags)
        .len(2, 0),
        A::new(
            5,
            "tcp-flags-reply",
            "CTA_PROTOINFO_TCP_FLAGS_REPLY",
            T::Binary,
        )
        .display(D::TcpFlags)
        .len(2, 0),
    ],
};

/// `CTA_PROTOINFO_DCCP_*`.
pub static PROTOINFO_DCCP: AttrSet = AttrSet {
    name: "protoinfo-dccp",
    attrs: &[
        A::new(1, "dccp-state", "CTA_PROTOINFO_DCCP_STATE", T::U8).display(D::Enum(&DCCP_STATE)),
        A::new(2, "dccp-role", "CTA_PROTOINFO_DCCP_ROLE", T::U8).display(D::Enum(&DCCP_ROLE)),
        A::new(
            3,
            "dccp-handshake-seq",
            "CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ",
            T::U64,
        ),
        A::new(4, "dccp-pad", "CTA_PROTOINFO_DCCP_PAD", T::Pad),
    ],
};

/// `CTA_PROTOINFO_SCTP_*`.
pub static PROTOINFO_SCTP: AttrSet = AttrSet {
    name: "protoinfo-sctp",
    attrs: &[
        A::new(1, "sctp-state", "CTA_PROTOINFO_SCTP_STATE", T::U8).display(D::Enum(&SCTP_STATE)),
        A::new(
            2,
            "vtag-original",
            "CTA_PROTOINFO_SCTP_VTAG_ORIGINAL",
            T::U32,
        )
        .display(D::Hex),
        A::new(3, "vtag-reply", "CTA_PROTOINFO_SCTP_VTAG_REPLY", T::U32).display(D::Hex),
    ],
};

/// `CTA_COUNTERS_*`: packet and byte counters of one direction.
pub static COUNTER: AttrSet = AttrSet {
    name: "counter",
    attrs: &[
        A::new(1, "packets", "CTA_COUNTERS_PACKETS", T::U64),
        A::new(2, "bytes", "CTA_COUNTERS_BYTES", T::U64),
        A::new(3, "packets-old", "CTA_COUNTERS32_PACKETS", T::U32),
        A::new(4, "bytes-old", "CTA_COUNTERS32_BYTES", T::U32),
        A::new(5, "pad", "CTA_COUNTERS_PAD", T::Pad),
    ],
};

/// `CTA_HELP_*`: the helper attached to an entry.
pub static HELP: AttrSet = AttrSet {
    name: "help",
    attrs: &[
        A::new(1, "help-name", "CTA_HELP_NAME", T::NulString)
            .display(D::Text)
            .len(0, 16),
        A::new(2, "help-info", "CTA_HELP_INFO", T::Binary)
            .display(D::Hex)
            .spec_note("the spec omits help-info"),
    ],
};

/// `CTA_NAT_*`: a NAT range (nat-src, nat-dst).
pub static NAT: AttrSet = AttrSet {
    name: "nat",
    attrs: &[
        A::new(1, "nat-v4-minip", "CTA_NAT_V4_MINIP", T::U32).display(D::Ipv4),
        A::new(2, "nat-v4-maxip", "CTA_NAT_V4_MAXIP", T::U32).display(D::Ipv4),
        A::new(3, "nat-proto", "CTA_NAT_PROTO", T::Nest(&NAT_PROTO)).spec_note(
            "the spec lists nat-proto last and so numbers it 5; the kernel's number is 3",
        ),
        A::new(4, "nat-v6-minip", "CTA_NAT_V6_MINIP", T::Binary)
            .display(D::Ipv6)
            .len(16, 0)
            .spec_note("the spec numbers it 3"),
        A::new(5, "nat-v6-maxip", "CTA_NAT_V6_MAXIP", T::Binary)
            .display(D::Ipv6)
            .len(16, 0)
            .spec_note("the spec numbers it 4"),
    ],
};

/// `CTA_PROTONAT_*`: the port range of a NAT range.
pub static NAT_PROTO: AttrSet = AttrSet {
    name: "nat-proto",
    attrs: &[
        A::new(1, "nat-port-min", "CTA_PROTONAT_PORT_MIN", T::U16),
        A::new(2, "nat-port-max", "CTA_PROTONAT_PORT_MAX", T::U16),
    ],
};

/// `CTA_SEQADJ_*`: TCP sequence adjustment of one direction.
pub static SEQADJ: AttrSet = AttrSet {
    name: "seqadj",
    attrs: &[
        A::new(1, "correction-pos", "CTA_SEQADJ_CORRECTION_POS", T::U32),
        A::new(2, "offset-before", "CTA_SEQADJ_OFFSET_BEFORE", T::U32),
        A::new(3, "offset-after", "CTA_SEQADJ_OFFSET_AFTER", T::U32),
    ],
};

/// `CTA_SECCTX_*`: the security context.
pub static SECCTX: AttrSet = AttrSet {
    name: "secctx",
    attrs: &[A::new(1, "secctx-name", "CTA_SECCTX_NAME", T::NulString).display(D::Text)],
};

/// `CTA_SYNPROXY_*`. Entries created over ctnetlink carry an all-zero nest.
pub static SYNPROXY: AttrSet = AttrSet {
    name: "synproxy",
    attrs: &[
        A::new(1, "isn", "CTA_SYNPROXY_ISN", T::U32),
        A::new(2, "its", "CTA_SYNPROXY_ITS", T::U32),
        A::new(3, "tsoff", "CTA_SYNPROXY_TSOFF", T::U32),
    ],
};

/// `CTA_TIMESTAMP_*`: start and stop of an entry (not in the spec).
pub static TSTAMP: AttrSet = AttrSet {
    name: "tstamp",
    attrs: &[
        A::new(1, "start", "CTA_TIMESTAMP_START", T::U64).display(D::TimestampNs),
        A::new(2, "stop", "CTA_TIMESTAMP_STOP", T::U64).display(D::TimestampNs),
        A::new(3, "pad", "CTA_TIMESTAMP_PAD", T::Pad),
    ],
};

/// `CTA_FILTER_*`: kernel-side dump filter (not in the spec). The flags are u32 in
/// **host** byte order, unlike every other ctnetlink integer.
pub static FILTER: AttrSet = AttrSet {
    name: "filter",
    attrs: &[
        A::new(1, "orig-flags", "CTA_FILTER_ORIG_FLAGS", T::U32)
            .host_order()
            .display(D::Flags(&FILTER_FLAGS)),
        A::new(2, "reply-flags", "CTA_FILTER_REPLY_FLAGS", T::U32)
            .host_order()
            .display(D::Flags(&FILTER_FLAGS)),
    ],
};

/// `CTA_STATS_*`: per-CPU statistics (GET_STATS_CPU replies, cpu = res_id).
/// searched, new, ignore, delete and delete-list are no longer sent.
pub static CONNTRACK_STATS: AttrSet = AttrSet {
    name: "conntrack-stats",
    attrs: &[
        A::new(1, "searched", "CTA_STATS_SEARCHED", T::U32),
        A::new(2, "found", "CTA_STATS_FOUND", T::U32),
        A::new(3, "new", "CTA_STATS_NEW", T::U32),
        A::new(4, "invalid", "CTA_STATS_INVALID", T::U32),
        A::new(5, "ignore", "CTA_STATS_IGNORE", T::U32),
        A::new(6, "delete", "CTA_STATS_DELETE", T::U32),
        A::new(7, "delete-list", "CTA_STATS_DELETE_LIST", T::U32),
        A::new(8, "insert", "CTA_STATS_INSERT", T::U32),
        A::new(9, "insert-failed", "CTA_STATS_INSERT_FAILED", T::U32),
        A::new(10, "drop", "CTA_STATS_DROP", T::U32),
        A::new(11, "early-drop", "CTA_STATS_EARLY_DROP", T::U32),
        A::new(12, "error", "CTA_STATS_ERROR", T::U32),
        A::new(13, "search-restart", "CTA_STATS_SEARCH_RESTART", T::U32),
        A::new(14, "clash-resolve", "CTA_STATS_CLASH_RESOLVE", T::U32),
        A::new(15, "chain-toolong", "CTA_STATS_CHAIN_TOOLONG", T::U32),
    ],
};

/// `CTA_STATS_GLOBAL_*`: global statistics (GET_STATS replies).
pub static STATS_GLOBAL: AttrSet = AttrSet {
    name: "stats-global",
    attrs: &[
        A::new(1, "entries", "CTA_STATS_GLOBAL_ENTRIES", T::U32),
        A::new(2, "max-entries", "CTA_STATS_GLOBAL_MAX_ENTRIES", T::U32),
    ],
};

/// `CTA_EXPECT_*`: the top level of EXP NEW / GET / DELETE messages.
pub static EXPECT: AttrSet = AttrSet {
    name: "expect",
    attrs: &[
        A::new(1, "master", "CTA_EXPECT_MASTER", T::Nest(&TUPLE)),
        A::new(2, "tuple", "CTA_EXPECT_TUPLE", T::Nest(&TUPLE)),
        A::new(3, "mask", "CTA_EXPECT_MASK", T::Nest(&TUPLE)),
        A::new(4, "timeout", "CTA_EXPECT_TIMEOUT", T::U32),
        A::new(5, "id", "CTA_EXPECT_ID", T::U32),
        A::new(6, "help-name", "CTA_EXPECT_HELP_NAME", T::NulString)
            .display(D::Text)
            .len(0, 16),
        A::new(7, "zone", "CTA_EXPECT_ZONE", T::U16),
        A::new(8, "flags", "CTA_EXPECT_FLAGS", T::U32).display(D::Flags(&EXPECT_FLAGS)),
        A::new(9, "class", "CTA_EXPECT_CLASS", T::U32),
        A::new(10, "nat", "CTA_EXPECT_NAT", T::Nest(&EXPECT_NAT)),
        A::new(11, "fn", "CTA_EXPECT_FN", T::NulString).display(D::Text),
    ],
};

/// `CTA_EXPECT_NAT_*`: NAT of an expectation.
pub static EXPECT_NAT: AttrSet = AttrSet {
    name: "expect-nat",
    attrs: &[
        A::new(1, "dir", "CTA_EXPECT_NAT_DIR", T::U32).display(D::Enum(&CT_DIR)),
        A::new(2, "tuple", "CTA_EXPECT_NAT_TUPLE", T::Nest(&TUPLE)),
    ],
};

/// `CTA_STATS_EXP_*`: per-CPU expectation statistics (replies of type 0x0103).
pub static EXPECT_STATS: AttrSet = AttrSet {
    name: "expect-stats",
    attrs: &[
        A::new(1, "new", "CTA_STATS_EXP_NEW", T::U32),
        A::new(2, "create", "CTA_STATS_EXP_CREATE", T::U32),
        A::new(3, "delete", "CTA_STATS_EXP_DELETE", T::U32),
    ],
};
