//! NFQUEUE (NFNL_SUBSYS_QUEUE, 3) and NFLOG (NFNL_SUBSYS_ULOG, 4): packets handed
//! to userspace, their verdicts and the listeners' configuration, as
//! include/uapi/linux/netfilter/nfnetlink_queue.h / nfnetlink_log.h and
//! net/netfilter/nfnetlink_queue.c / nfnetlink_log.c define them. No YNL spec:
//! names are the constants without their set prefix (`NFQA_CT_INFO` -> `ct-info`,
//! `NFULA_CFG_QTHRESH` -> `qthresh`). Integers are big-endian (`htonl`, `ntohl`).
//!
//! A packet's conntrack entry is a ctnetlink nest (`ct`, the conntrack set, written
//! by ctnetlink_glue_build: the tuples, id, status, timeout, mark, protoinfo, help;
//! no counters, no use) with its `ct-info`; a verdict may carry `ct` back (the
//! kernel applies mark, labels, status, ... through ctnetlink_glue_parse) and
//! `exp` (an expectation, the expect set). The fixed headers are C structures.

use super::enums::{Enum, Flags, FAMILY};
use super::{ct, AttrDef as A, AttrSet, Display as D, Field as F, StructDef, Type as T};

/// `enum ip_conntrack_info` (nf_conntrack_common.h).
pub static CT_INFO: Enum = Enum {
    name: "ip-conntrack-info",
    open: false,
    values: &[
        (0, "established"),
        (1, "related"),
        (2, "new"),
        (3, "established-reply"),
        (4, "related-reply"),
        (7, "untracked"),
    ],
};

/// `NF_INET_*` hooks (the hook of a queued or logged packet).
pub static HOOK: Enum = Enum {
    name: "nf-inet-hooks",
    open: true,
    values: &[
        (0, "prerouting"),
        (1, "input"),
        (2, "forward"),
        (3, "output"),
        (4, "postrouting"),
        (5, "ingress"),
    ],
};

/// `NF_DROP` ... `NF_STOP` (a verdict's low 16 bits; NF_QUEUE carries the next
/// queue number in the high 16 bits, shown as a number).
pub static VERDICT: Enum = Enum {
    name: "nf-verdict",
    open: true,
    values: &[
        (0, "drop"),
        (1, "accept"),
        (2, "stolen"),
        (3, "queue"),
        (4, "repeat"),
        (5, "stop"),
    ],
};

/// `enum nfqnl_msg_config_cmds` / `enum nfulnl_msg_config_cmds` (the same values).
pub static CFG_CMD: Enum = Enum {
    name: "config-cmd",
    open: false,
    values: &[
        (0, "none"),
        (1, "bind"),
        (2, "unbind"),
        (3, "pf-bind"),
        (4, "pf-unbind"),
    ],
};

/// `enum nfqnl_config_mode` / `NFULNL_COPY_*` (the same values).
pub static COPY_MODE: Enum = Enum {
    name: "copy-mode",
    open: false,
    values: &[(0, "none"), (1, "meta"), (2, "packet")],
};

/// `NFQA_CFG_F_*`.
pub static QUEUE_CFG_FLAGS: Flags = Flags {
    name: "nfqa-cfg-flags",
    bits: &[
        (1 << 0, "fail-open"),
        (1 << 1, "conntrack"),
        (1 << 2, "gso"),
        (1 << 3, "uid-gid"),
        (1 << 4, "secctx"),
    ],
};

/// `NFQA_SKB_*`.
pub static SKB_INFO: Flags = Flags {
    name: "nfqa-skb-info",
    bits: &[
        (1 << 0, "csumnotready"),
        (1 << 1, "gso"),
        (1 << 2, "csum-notverified"),
    ],
};

/// `NFULNL_CFG_F_*`.
pub static LOG_CFG_FLAGS: Flags = Flags {
    name: "nfulnl-cfg-flags",
    bits: &[
        (1 << 0, "seq"),
        (1 << 1, "seq-global"),
        (1 << 2, "conntrack"),
    ],
};

// ---- the fixed headers ----

/// `struct nfqnl_msg_packet_hdr` (packed: 7 bytes).
pub static QUEUE_PACKET_HDR: StructDef = StructDef {
    name: "nfqnl_msg_packet_hdr",
    size: 7,
    fields: &[
        F::new("packet-id", 0, 4),
        F::new("hw-protocol", 4, 2).display(D::Hex),
        F::new("hook", 6, 1).display(D::Enum(&HOOK)),
    ],
};

/// `struct nfqnl_msg_packet_hw` = `struct nfulnl_msg_packet_hw`.
pub static PACKET_HW: StructDef = StructDef {
    name: "nfqnl_msg_packet_hw",
    size: 12,
    fields: &[
        F::new("hw-addrlen", 0, 2),
        F::new("pad", 2, 2).pad(),
        // u8 hw_addr[8]: the first hw-addrlen bytes are the address.
        F::new("hw-addr", 4, 8).bytes(),
    ],
};

/// `struct nfqnl_msg_packet_timestamp` = `struct nfulnl_msg_packet_timestamp`.
pub static PACKET_TIMESTAMP: StructDef = StructDef {
    name: "nfqnl_msg_packet_timestamp",
    size: 16,
    fields: &[F::new("sec", 0, 8), F::new("usec", 8, 8)],
};

/// `struct nfqnl_msg_verdict_hdr`.
pub static VERDICT_HDR: StructDef = StructDef {
    name: "nfqnl_msg_verdict_hdr",
    size: 8,
    fields: &[
        F::new("verdict", 0, 4).display(D::Enum(&VERDICT)),
        F::new("id", 4, 4),
    ],
};

/// `struct nfqnl_msg_config_cmd`.
pub static QUEUE_CONFIG_CMD: StructDef = StructDef {
    name: "nfqnl_msg_config_cmd",
    size: 4,
    fields: &[
        F::new("command", 0, 1).display(D::Enum(&CFG_CMD)),
        F::new("pad", 1, 1).pad(),
        F::new("pf", 2, 2).display(D::Enum(&FAMILY)),
    ],
};

/// `struct nfqnl_msg_config_params` (packed: 5 bytes).
pub static QUEUE_CONFIG_PARAMS: StructDef = StructDef {
    name: "nfqnl_msg_config_params",
    size: 5,
    fields: &[
        F::new("copy-range", 0, 4),
        F::new("copy-mode", 4, 1).display(D::Enum(&COPY_MODE)),
    ],
};

/// `struct nfulnl_msg_packet_hdr`.
pub static LOG_PACKET_HDR: StructDef = StructDef {
    name: "nfulnl_msg_packet_hdr",
    size: 4,
    fields: &[
        F::new("hw-protocol", 0, 2).display(D::Hex),
        F::new("hook", 2, 1).display(D::Enum(&HOOK)),
        F::new("pad", 3, 1).pad(),
    ],
};

/// `struct nfulnl_msg_config_cmd` (packed: 1 byte).
pub static LOG_CONFIG_CMD: StructDef = StructDef {
    name: "nfulnl_msg_config_cmd",
    size: 1,
    fields: &[F::new("command", 0, 1).display(D::Enum(&CFG_CMD))],
};

/// `struct nfulnl_msg_config_mode` (packed: 6 bytes).
pub static LOG_CONFIG_MODE: StructDef = StructDef {
    name: "nfulnl_msg_config_mode",
    size: 6,
    fields: &[
        F::new("copy-range", 0, 4),
        F::new("copy-mode", 4, 1).display(D::Enum(&COPY_MODE)),
        F::new("pad", 5, 1).pad(),
    ],
};

// ---- NFQUEUE ----

/// `enum nfqnl_attr_type`: packets (to userspace), verdicts and verdict batches
/// (`nfqa_verdict_policy`, `nfqa_verdict_batch_policy`).
pub static QUEUE: AttrSet = AttrSet {
    name: "nfqueue",
    attrs: &[
        A::new(
            1,
            "packet-hdr",
            "NFQA_PACKET_HDR",
            T::Struct(&QUEUE_PACKET_HDR),
        ),
        A::new(
            2,
            "verdict-hdr",
            "NFQA_VERDICT_HDR",
            T::Struct(&VERDICT_HDR),
        ),
        A::new(3, "mark", "NFQA_MARK", T::U32),
        A::new(
            4,
            "timestamp",
            "NFQA_TIMESTAMP",
            T::Struct(&PACKET_TIMESTAMP),
        ),
        A::new(5, "ifindex-indev", "NFQA_IFINDEX_INDEV", T::U32),
        A::new(6, "ifindex-outdev", "NFQA_IFINDEX_OUTDEV", T::U32),
        A::new(7, "ifindex-physindev", "NFQA_IFINDEX_PHYSINDEV", T::U32),
        A::new(8, "ifindex-physoutdev", "NFQA_IFINDEX_PHYSOUTDEV", T::U32),
        A::new(9, "hwaddr", "NFQA_HWADDR", T::Struct(&PACKET_HW)),
        A::new(10, "payload", "NFQA_PAYLOAD", T::Binary),
        A::new(11, "ct", "NFQA_CT", T::Nest(&ct::CONNTRACK)),
        A::new(12, "ct-info", "NFQA_CT_INFO", T::U32).display(D::Enum(&CT_INFO)),
        A::new(13, "cap-len", "NFQA_CAP_LEN", T::U32),
        A::new(14, "skb-info", "NFQA_SKB_INFO", T::U32).display(D::Flags(&SKB_INFO)),
        A::new(15, "exp", "NFQA_EXP", T::Nest(&ct::EXPECT)),
        A::new(16, "uid", "NFQA_UID", T::U32),
        A::new(17, "gid", "NFQA_GID", T::U32),
        A::new(18, "secctx", "NFQA_SECCTX", T::String),
        A::new(19, "vlan", "NFQA_VLAN", T::Nest(&VLAN)),
        A::new(20, "l2hdr", "NFQA_L2HDR", T::Binary),
        A::new(21, "priority", "NFQA_PRIORITY", T::U32),
        A::new(22, "cgroup-classid", "NFQA_CGROUP_CLASSID", T::U32),
    ],
};

/// `enum nfqnl_vlan_attr` = `enum nfulnl_vlan_attr`.
pub static VLAN: AttrSet = AttrSet {
    name: "vlan",
    attrs: &[
        A::new(1, "proto", "NFQA_VLAN_PROTO", T::U16).display(D::Hex),
        A::new(2, "tci", "NFQA_VLAN_TCI", T::U16),
    ],
};

/// `enum nfqnl_attr_config` (`nfqa_cfg_policy`).
pub static QUEUE_CONFIG: AttrSet = AttrSet {
    name: "nfqueue-config",
    attrs: &[
        A::new(1, "cmd", "NFQA_CFG_CMD", T::Struct(&QUEUE_CONFIG_CMD)),
        A::new(
            2,
            "params",
            "NFQA_CFG_PARAMS",
            T::Struct(&QUEUE_CONFIG_PARAMS),
        ),
        A::new(3, "queue-maxlen", "NFQA_CFG_QUEUE_MAXLEN", T::U32),
        // Which flags to change: any bits (only `flags` must be known).
        A::new(4, "mask", "NFQA_CFG_MASK", T::U32).display(D::Hex),
        A::new(5, "flags", "NFQA_CFG_FLAGS", T::U32).display(D::Flags(&QUEUE_CFG_FLAGS)),
    ],
};

// ---- NFLOG ----

/// `enum nfulnl_attr_type`: logged packets.
pub static LOG: AttrSet = AttrSet {
    name: "nflog",
    attrs: &[
        A::new(
            1,
            "packet-hdr",
            "NFULA_PACKET_HDR",
            T::Struct(&LOG_PACKET_HDR),
        ),
        A::new(2, "mark", "NFULA_MARK", T::U32),
        A::new(
            3,
            "timestamp",
            "NFULA_TIMESTAMP",
            T::Struct(&PACKET_TIMESTAMP),
        ),
        A::new(4, "ifindex-indev", "NFULA_IFINDEX_INDEV", T::U32),
        A::new(5, "ifindex-outdev", "NFULA_IFINDEX_OUTDEV", T::U32),
        A::new(6, "ifindex-physindev", "NFULA_IFINDEX_PHYSINDEV", T::U32),
        A::new(7, "ifindex-physoutdev", "NFULA_IFINDEX_PHYSOUTDEV", T::U32),
        A::new(8, "hwaddr", "NFULA_HWADDR", T::Struct(&PACKET_HW)),
        A::new(9, "payload", "NFULA_PAYLOAD", T::Binary),
        A::new(10, "prefix", "NFULA_PREFIX", T::NulString),
        A::new(11, "uid", "NFULA_UID", T::U32),
        A::new(12, "seq", "NFULA_SEQ", T::U32),
        A::new(13, "seq-global", "NFULA_SEQ_GLOBAL", T::U32),
        A::new(14, "gid", "NFULA_GID", T::U32),
        A::new(15, "hwtype", "NFULA_HWTYPE", T::U16),
        A::new(16, "hwheader", "NFULA_HWHEADER", T::Binary),
        A::new(17, "hwlen", "NFULA_HWLEN", T::U16),
        A::new(18, "ct", "NFULA_CT", T::Nest(&ct::CONNTRACK)),
        A::new(19, "ct-info", "NFULA_CT_INFO", T::U32).display(D::Enum(&CT_INFO)),
        A::new(20, "vlan", "NFULA_VLAN", T::Nest(&VLAN)),
        A::new(21, "l2hdr", "NFULA_L2HDR", T::Binary),
    ],
};

/// `enum nfulnl_attr_config` (`nfula_cfg_policy`).
pub static LOG_CONFIG: AttrSet = AttrSet {
    name: "nflog-config",
    attrs: &[
        A::new(1, "cmd", "NFULA_CFG_CMD", T::Struct(&LOG_CONFIG_CMD)),
        A::new(2, "mode", "NFULA_CFG_MODE", T::Struct(&LOG_CONFIG_MODE)),
        A::new(3, "nlbufsiz", "NFULA_CFG_NLBUFSIZ", T::U32),
        A::new(4, "timeout", "NFULA_CFG_TIMEOUT", T::U32),
        A::new(5, "qthresh", "NFULA_CFG_QTHRESH", T::U32),
        A::new(6, "flags", "NFULA_CFG_FLAGS", T::U16).display(D::Flags(&LOG_CFG_FLAGS)),
    ],
};
