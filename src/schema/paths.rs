//! Named paths into the conntrack schema, for the consumers of the decoded tree
//! (the view layer, filters, exchanges, renderers): they name attributes, the
//! schema gives the numbers.

use super::{ct, netlink, AttrPath as P};

// ---- conntrack (CTA_*), from the message's top level ----
/// CTA_TUPLE_ORIG.
pub static TUPLE_ORIG: P = P::new(&ct::CONNTRACK, "tuple-orig");
/// CTA_TUPLE_REPLY.
pub static TUPLE_REPLY: P = P::new(&ct::CONNTRACK, "tuple-reply");
/// CTA_TUPLE_MASTER.
pub static TUPLE_MASTER: P = P::new(&ct::CONNTRACK, "tuple-master");
/// CTA_STATUS.
pub static STATUS: P = P::new(&ct::CONNTRACK, "status");
/// CTA_TIMEOUT.
pub static TIMEOUT: P = P::new(&ct::CONNTRACK, "timeout");
/// CTA_MARK.
pub static MARK: P = P::new(&ct::CONNTRACK, "mark");
/// CTA_ZONE.
pub static ZONE: P = P::new(&ct::CONNTRACK, "zone");
/// CTA_USE.
pub static USE: P = P::new(&ct::CONNTRACK, "use");
/// CTA_ID.
pub static ID: P = P::new(&ct::CONNTRACK, "id");
/// CTA_SECMARK.
pub static SECMARK: P = P::new(&ct::CONNTRACK, "secmark");
/// CTA_TIMESTAMP_EVENT.
pub static TIMESTAMP_EVENT: P = P::new(&ct::CONNTRACK, "timestamp-event");
/// CTA_SECCTX_NAME.
pub static SECCTX_NAME: P = P::new(&ct::CONNTRACK, "secctx.secctx-name");
/// CTA_TIMESTAMP_START.
pub static TIMESTAMP_START: P = P::new(&ct::CONNTRACK, "timestamp.start");
/// CTA_TIMESTAMP_STOP.
pub static TIMESTAMP_STOP: P = P::new(&ct::CONNTRACK, "timestamp.stop");
/// CTA_HELP_NAME.
pub static HELP_NAME: P = P::new(&ct::CONNTRACK, "help.help-name");
/// CTA_LABELS.
pub static LABELS: P = P::new(&ct::CONNTRACK, "labels");
/// CTA_COUNTERS_ORIG.
pub static COUNTERS_ORIG: P = P::new(&ct::CONNTRACK, "counters-orig");
/// CTA_COUNTERS_REPLY.
pub static COUNTERS_REPLY: P = P::new(&ct::CONNTRACK, "counters-reply");
/// CTA_PROTOINFO_TCP_STATE.
pub static TCP_STATE: P = P::new(&ct::CONNTRACK, "protoinfo.protoinfo-tcp.tcp-state");
/// CTA_PROTOINFO_SCTP_STATE.
pub static SCTP_STATE: P = P::new(&ct::CONNTRACK, "protoinfo.protoinfo-sctp.sctp-state");
/// CTA_PROTOINFO_DCCP_STATE.
pub static DCCP_STATE: P = P::new(&ct::CONNTRACK, "protoinfo.protoinfo-dccp.dccp-state");

// ---- within a tuple (CTA_TUPLE_*) ----
/// CTA_IP_V4_SRC.
pub static IP_V4_SRC: P = P::new(&ct::TUPLE, "tuple-ip.ip-v4-src");
/// CTA_IP_V4_DST.
pub static IP_V4_DST: P = P::new(&ct::TUPLE, "tuple-ip.ip-v4-dst");
/// CTA_IP_V6_SRC.
pub static IP_V6_SRC: P = P::new(&ct::TUPLE, "tuple-ip.ip-v6-src");
/// CTA_IP_V6_DST.
pub static IP_V6_DST: P = P::new(&ct::TUPLE, "tuple-ip.ip-v6-dst");
/// CTA_PROTO_NUM.
pub static PROTO_NUM: P = P::new(&ct::TUPLE, "tuple-proto.proto-num");
/// CTA_PROTO_SRC_PORT.
pub static SRC_PORT: P = P::new(&ct::TUPLE, "tuple-proto.proto-src-port");
/// CTA_PROTO_DST_PORT.
pub static DST_PORT: P = P::new(&ct::TUPLE, "tuple-proto.proto-dst-port");
/// CTA_PROTO_ICMP_ID.
pub static ICMP_ID: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmp-id");
/// CTA_PROTO_ICMP_TYPE.
pub static ICMP_TYPE: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmp-type");
/// CTA_PROTO_ICMP_CODE.
pub static ICMP_CODE: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmp-code");
/// CTA_PROTO_ICMPV6_ID.
pub static ICMPV6_ID: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmpv6-id");
/// CTA_PROTO_ICMPV6_TYPE.
pub static ICMPV6_TYPE: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmpv6-type");
/// CTA_PROTO_ICMPV6_CODE.
pub static ICMPV6_CODE: P = P::new(&ct::TUPLE, "tuple-proto.proto-icmpv6-code");
/// CTA_TUPLE_ZONE.
pub static TUPLE_ZONE: P = P::new(&ct::TUPLE, "tuple-zone");
/// CTA_TUPLE_ORIG's CTA_TUPLE_ZONE (conntrack's `--orig-zone`).
pub static ORIG_ZONE: P = P::new(&ct::CONNTRACK, "tuple-orig.tuple-zone");
/// CTA_TUPLE_REPLY's CTA_TUPLE_ZONE (conntrack's `--reply-zone`).
pub static REPLY_ZONE: P = P::new(&ct::CONNTRACK, "tuple-reply.tuple-zone");

// ---- within counters (CTA_COUNTERS_*) ----
/// CTA_COUNTERS_PACKETS.
pub static PACKETS: P = P::new(&ct::COUNTER, "packets");
/// CTA_COUNTERS_BYTES.
pub static BYTES: P = P::new(&ct::COUNTER, "bytes");
/// CTA_COUNTERS32_PACKETS.
pub static PACKETS_OLD: P = P::new(&ct::COUNTER, "packets-old");
/// CTA_COUNTERS32_BYTES.
pub static BYTES_OLD: P = P::new(&ct::COUNTER, "bytes-old");

// ---- expectations (CTA_EXPECT_*) ----
/// CTA_EXPECT_MASTER.
pub static EXP_MASTER: P = P::new(&ct::EXPECT, "master");
/// CTA_EXPECT_TUPLE.
pub static EXP_TUPLE: P = P::new(&ct::EXPECT, "tuple");
/// CTA_EXPECT_MASK.
pub static EXP_MASK: P = P::new(&ct::EXPECT, "mask");
/// CTA_EXPECT_TIMEOUT.
pub static EXP_TIMEOUT: P = P::new(&ct::EXPECT, "timeout");
/// CTA_EXPECT_ZONE.
pub static EXP_ZONE: P = P::new(&ct::EXPECT, "zone");
/// CTA_EXPECT_FLAGS.
pub static EXP_FLAGS: P = P::new(&ct::EXPECT, "flags");
/// CTA_EXPECT_CLASS.
pub static EXP_CLASS: P = P::new(&ct::EXPECT, "class");
/// CTA_EXPECT_HELP_NAME.
pub static EXP_HELP_NAME: P = P::new(&ct::EXPECT, "help-name");

// ---- packets for a listener ----
/// NFQA_CT: a queued packet's conntrack entry.
pub static QUEUE_CT: P = P::new(&super::queue::QUEUE, "ct");
/// NFULA_CT: a logged packet's conntrack entry.
pub static LOG_CT: P = P::new(&super::queue::LOG, "ct");

// ---- statistics ----
/// CTA_STATS_GLOBAL_ENTRIES.
pub static ENTRIES: P = P::new(&ct::STATS_GLOBAL, "entries");
/// CTA_STATS_GLOBAL_MAX_ENTRIES.
pub static MAX_ENTRIES: P = P::new(&ct::STATS_GLOBAL, "max-entries");

// ---- extended ACK (NLMSGERR_ATTR_*) ----
/// NLMSGERR_ATTR_MSG.
pub static EXTACK_MSG: P = P::new(&netlink::EXTACK, "msg");
/// NLMSGERR_ATTR_OFFS.
pub static EXTACK_OFFS: P = P::new(&netlink::EXTACK, "offs");
/// NLMSGERR_ATTR_POLICY.
pub static EXTACK_POLICY: P = P::new(&netlink::EXTACK, "policy");
/// NLMSGERR_ATTR_MISS_TYPE.
pub static EXTACK_MISS_TYPE: P = P::new(&netlink::EXTACK, "miss-type");
/// NLMSGERR_ATTR_MISS_NEST.
pub static EXTACK_MISS_NEST: P = P::new(&netlink::EXTACK, "miss-nest");

/// Every path above (a test resolves them all).
pub static ALL: &[&P] = &[
    &TUPLE_ORIG,
    &TUPLE_REPLY,
    &TUPLE_MASTER,
    &STATUS,
    &TIMEOUT,
    &MARK,
    &ZONE,
    &USE,
    &ID,
    &SECMARK,
    &TIMESTAMP_EVENT,
    &SECCTX_NAME,
    &TIMESTAMP_START,
    &TIMESTAMP_STOP,
    &HELP_NAME,
    &LABELS,
    &COUNTERS_ORIG,
    &COUNTERS_REPLY,
    &TCP_STATE,
    &SCTP_STATE,
    &DCCP_STATE,
    &IP_V4_SRC,
    &IP_V4_DST,
    &IP_V6_SRC,
    &IP_V6_DST,
    &PROTO_NUM,
    &SRC_PORT,
    &DST_PORT,
    &ICMP_ID,
    &ICMP_TYPE,
    &ICMP_CODE,
    &ICMPV6_ID,
    &ICMPV6_TYPE,
    &ICMPV6_CODE,
    &TUPLE_ZONE,
    &ORIG_ZONE,
    &REPLY_ZONE,
    &PACKETS,
    &BYTES,
    &PACKETS_OLD,
    &BYTES_OLD,
    &EXP_MASTER,
    &EXP_TUPLE,
    &EXP_MASK,
    &EXP_TIMEOUT,
    &EXP_ZONE,
    &EXP_FLAGS,
    &EXP_CLASS,
    &EXP_HELP_NAME,
    &ENTRIES,
    &MAX_ENTRIES,
    &EXTACK_MSG,
    &EXTACK_OFFS,
    &EXTACK_POLICY,
    &EXTACK_MISS_TYPE,
    &EXTACK_MISS_NEST,
    &QUEUE_CT,
    &LOG_CT,
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_path_resolves() {
        for p in super::ALL {
            let n = p.names().split('.').count();
            assert_eq!(p.nums().len(), n, "{} below {}", p.names(), p.root().name);
        }
    }
}
