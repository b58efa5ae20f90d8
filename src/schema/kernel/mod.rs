//! What the kernel does with a request, as data: its `nla_policy` tables and the
//! order of checks of each ctnetlink handler (Linux 6.18,
//! net/netfilter/nf_conntrack_netlink.c and the files named in each row).
//!
//! A [`Handler`] is the `nfnl_callback` of one message type: the top-level policy
//! nfnetlink applies before calling it (`nfnetlink_rcv_msg`) and its [`Step`]s, in
//! the kernel's order. Steps name attributes by their kernel names (the set of the
//! enclosing [`Step::Parse`] resolves them); each step cites the kernel function it
//! mirrors. The interpreter is `crate::verdict`; it has no ctnetlink knowledge of
//! its own beyond the primitives below.
//!
//! Kernel facts these tables encode (each checked against the live 6.18 kernel by
//! the differential harness, `examples/kernel_diff.rs`):
//! * ctnetlink parses every nest with the deprecated (liberal) parser: NLA_F_NESTED
//!   is not checked, a broken nla_len ends the walk of that level with a warning;
//!   only CTA_FILTER is parsed strictly (`nla_parse_nested`).
//! * The last of duplicate attributes wins (`tb[type] = nla`).
//! * Extended-ACK offsets come only from the top-level policy (nfnetlink passes the
//!   extack there; every nested parse passes NULL).
//!
//! The ctnetlink handlers (conntrack entries and expectations) are here; cttimeout's
//! are in [`timeout`].

pub mod timeout;

use super::{ct, AttrSet};
use crate::finding::Code;

/// Errno values the kernel answers with.
pub mod errno {
    /// EPERM.
    pub const EPERM: i32 = 1;
    /// ENOENT.
    pub const ENOENT: i32 = 2;
    /// ENOMEM.
    pub const ENOMEM: i32 = 12;
    /// EBUSY.
    pub const EBUSY: i32 = 16;
    /// EEXIST.
    pub const EEXIST: i32 = 17;
    /// EINVAL.
    pub const EINVAL: i32 = 22;
    /// ENOSPC.
    pub const ENOSPC: i32 = 28;
    /// ERANGE.
    pub const ERANGE: i32 = 34;
    /// EOPNOTSUPP.
    pub const EOPNOTSUPP: i32 = 95;
}

use errno::*;

/// What one `nla_policy` entry checks (lib/nlattr.c `validate_nla`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Not in the policy, or `NLA_UNSPEC` without `.len`: nothing is checked.
    Unspec,
    /// `NLA_UNSPEC` with `.len = N`: fewer than N bytes is -ERANGE.
    MinLen(u16),
    /// `NLA_U8`: at least 1 byte (-ERANGE); longer only warns.
    U8,
    /// `NLA_U16`: at least 2 bytes.
    U16,
    /// `NLA_U32`: at least 4 bytes.
    U32,
    /// `NLA_U64`: at least 8 bytes.
    U64,
    /// `NLA_POLICY_MAX(NLA_U8, max)`: a value above max is -ERANGE.
    U8Max(u8),
    /// `NLA_POLICY_MAX(NLA_BE32, max)`.
    Be32Max(u32),
    /// `NLA_POLICY_MASK(NLA_U32, mask)` (host order): other bits are -EINVAL.
    U32Mask(u32),
    /// `NLA_POLICY_MASK(NLA_BE32, mask)`.
    Be32Mask(u32),
    /// `NLA_NESTED`: empty, or at least an attribute header (1-3 bytes: -ERANGE).
    Nested,
    /// `NLA_NUL_STRING` with `.len` (0: no limit): no NUL within the first
    /// `len + 1` bytes is -EINVAL, more than `len` characters -ERANGE.
    NulString(u16),
    /// `NLA_BINARY` with `.len`: longer is -ERANGE.
    Binary(u16),
    /// `NLA_REJECT`: -EINVAL.
    Reject,
}

/// One policy entry: an attribute of the policy's set, by kernel name.
#[derive(Debug)]
pub struct Rule {
    /// Kernel name of the attribute.
    pub attr: &'static str,
    /// What is checked.
    pub check: Check,
}

const fn r(attr: &'static str, check: Check) -> Rule {
    Rule { attr, check }
}

/// An `nla_policy` table. Its `maxtype` is the highest attribute number of its set
/// (the kernel's `CTA_*_MAX`): higher numbers are skipped unchecked.
#[derive(Debug)]
pub struct Policy {
    /// The kernel's name of the table.
    pub name: &'static str,
    /// The attribute set it applies to.
    pub set: &'static AttrSet,
    /// Entries; attributes of the set without one are [`Check::Unspec`].
    pub rules: &'static [Rule],
}

impl Policy {
    /// The check of attribute `num`.
    pub fn check(&self, num: u16) -> Check {
        let Some(def) = self.set.get(num) else {
            return Check::Unspec;
        };
        let rules: &'static [Rule] = self.rules;
        rules
            .iter()
            .find(|r| r.attr == def.name)
            .map(|r| r.check)
            .unwrap_or(Check::Unspec)
    }

    /// `CTA_*_MAX`.
    pub fn maxtype(&self) -> u16 {
        self.set.attrs.iter().map(|a| a.num).max().unwrap_or(0)
    }
}

/// `ct_nla_policy`. CTA_SECCTX, CTA_TIMESTAMP, CTA_SYNPROXY, counters, use and
/// secmark have no entry: they are not checked at all.
pub static CT_POLICY: Policy = Policy {
    name: "ct_nla_policy",
    set: &ct::CONNTRACK,
    rules: &[
        r("tuple-orig", Check::Nested),
        r("tuple-reply", Check::Nested),
        r("status", Check::U32),
        r("protoinfo", Check::Nested),
        r("help", Check::Nested),
        r("nat-src", Check::Nested),
        r("timeout", Check::U32),
        r("mark", Check::U32),
        r("id", Check::U32),
        r("nat-dst", Check::Nested),
        r("tuple-master", Check::Nested),
        r("seq-adj-orig", Check::Nested),
        r("seq-adj-reply", Check::Nested),
        r("zone", Check::U16),
        r("mark-mask", Check::U32),
        r("labels", Check::Binary(16)),
        r("labels-mask", Check::Binary(16)),
        r("filter", Check::Nested),
        r("status-mask", Check::U32),
        r("timestamp-event", Check::Reject),
    ],
};

/// `tuple_nla_policy`.
pub static TUPLE_POLICY: Policy = Policy {
    name: "tuple_nla_policy",
    set: &ct::TUPLE,
    rules: &[
        r("tuple-ip", Check::Nested),
        r("tuple-proto", Check::Nested),
        r("tuple-zone", Check::U16),
    ],
};

/// `cta_ip_nla_policy`.
pub static IP_POLICY: Policy = Policy {
    name: "cta_ip_nla_policy",
    set: &ct::TUPLE_IP,
    rules: &[
        r("ip-v4-src", Check::U32),
        r("ip-v4-dst", Check::U32),
        r("ip-v6-src", Check::MinLen(16)),
        r("ip-v6-dst", Check::MinLen(16)),
    ],
};

/// `proto_nla_policy`.
pub static PROTO_POLICY: Policy = Policy {
    name: "proto_nla_policy",
    set: &ct::TUPLE_PROTO,
    rules: &[r("proto-num", Check::U8)],
};

/// `nf_ct_port_nla_policy` (net/netfilter/nf_conntrack_core.c): tcp, udp,
/// udplite, sctp, gre.
pub static PORT_POLICY: Policy = Policy {
    name: "nf_ct_port_nla_policy",
    set: &ct::TUPLE_PROTO,
    rules: &[
        r("proto-src-port", Check::U16),
        r("proto-dst-port", Check::U16),
    ],
};

/// `icmp_nla_policy` (nf_conntrack_proto_icmp.c).
pub static ICMP_POLICY: Policy = Policy {
    name: "icmp_nla_policy",
    set: &ct::TUPLE_PROTO,
    rules: &[
        r("proto-icmp-type", Check::U8),
        r("proto-icmp-code", Check::U8),
        r("proto-icmp-id", Check::U16),
    ],
};

/// `icmpv6_nla_policy` (nf_conntrack_proto_icmpv6.c).
pub static ICMPV6_POLICY: Policy = Policy {
    name: "icmpv6_nla_policy",
    set: &ct::TUPLE_PROTO,
    rules: &[
        r("proto-icmpv6-type", Check::U8),
        r("proto-icmpv6-code", Check::U8),
        r("proto-icmpv6-id", Check::U16),
    ],
};

/// `cta_filter_nla_policy`, parsed strictly.
pub static FILTER_POLICY: Policy = Policy {
    name: "cta_filter_nla_policy",
    set: &ct::FILTER,
    rules: &[
        r("orig-flags", Check::U32Mask(FILTER_F_ALL)),
        r("reply-flags", Check::U32Mask(FILTER_F_ALL)),
    ],
};

/// `CTA_FILTER_F_ALL` (net/netfilter/nf_internals.h).
pub const FILTER_F_ALL: u32 = (1 << 12) - 1;

/// `help_nla_policy`.
pub static HELP_POLICY: Policy = Policy {
    name: "help_nla_policy",
    set: &ct::HELP,
    rules: &[r("help-name", Check::NulString(15))],
};

/// `protoinfo_policy`: there is no entry for CTA_PROTOINFO_DCCP.
pub static PROTOINFO_POLICY: Policy = Policy {
    name: "protoinfo_policy",
    set: &ct::PROTOINFO,
    rules: &[
        r("protoinfo-tcp", Check::Nested),
        r("protoinfo-sctp", Check::Nested),
    ],
};

/// `tcp_nla_policy` (nf_conntrack_proto_tcp.c).
pub static TCP_POLICY: Policy = Policy {
    name: "tcp_nla_policy",
    set: &ct::PROTOINFO_TCP,
    rules: &[
        r("tcp-state", Check::U8Max(9)),
        r("tcp-wscale-original", Check::U8Max(14)),
        r("tcp-wscale-reply", Check::U8Max(14)),
        r("tcp-flags-original", Check::MinLen(2)),
        r("tcp-flags-reply", Check::MinLen(2)),
    ],
};

/// `sctp_nla_policy` (nf_conntrack_proto_sctp.c): the state's maximum is
/// SCTP_CONNTRACK_HEARTBEAT_SENT (8) since the state rework of 6.2/6.3.
pub static SCTP_POLICY: Policy = Policy {
    name: "sctp_nla_policy",
    set: &ct::PROTOINFO_SCTP,
    rules: &[
        r("sctp-state", Check::U8Max(8)),
        r("vtag-original", Check::U32),
        r("vtag-reply", Check::U32),
    ],
};

/// `seqadj_policy`.
pub static SEQADJ_POLICY: Policy = Policy {
    name: "seqadj_policy",
    set: &ct::SEQADJ,
    rules: &[
        r("correction-pos", Check::U32),
        r("offset-before", Check::U32),
        r("offset-after", Check::U32),
    ],
};

/// `synproxy_policy`.
pub static SYNPROXY_POLICY: Policy = Policy {
    name: "synproxy_policy",
    set: &ct::SYNPROXY,
    rules: &[
        r("isn", Check::U32),
        r("its", Check::U32),
        r("tsoff", Check::U32),
    ],
};

/// `nat_nla_policy` (net/netfilter/nf_nat_core.c).
pub static NAT_POLICY: Policy = Policy {
    name: "nat_nla_policy",
    set: &ct::NAT,
    rules: &[
        r("nat-v4-minip", Check::U32),
        r("nat-v4-maxip", Check::U32),
        r("nat-v6-minip", Check::MinLen(16)),
        r("nat-v6-maxip", Check::MinLen(16)),
        r("nat-proto", Check::Nested),
    ],
};

/// `protonat_nla_policy` (nf_nat_core.c).
pub static PROTONAT_POLICY: Policy = Policy {
    name: "protonat_nla_policy",
    set: &ct::NAT_PROTO,
    rules: &[r("nat-port-min", Check::U16), r("nat-port-max", Check::U16)],
};

/// `exp_nla_policy`.
pub static EXP_POLICY: Policy = Policy {
    name: "exp_nla_policy",
    set: &ct::EXPECT,
    rules: &[
        r("master", Check::Nested),
        r("tuple", Check::Nested),
        r("mask", Check::Nested),
        r("timeout", Check::U32),
        r("id", Check::U32),
        r("help-name", Check::NulString(15)),
        r("zone", Check::U16),
        r("flags", Check::Be32Mask(0x7)),
        r("class", Check::U32),
        r("nat", Check::Nested),
        r("fn", Check::NulString(0)),
    ],
};

/// `exp_nat_nla_policy`.
pub static EXP_NAT_POLICY: Policy = Policy {
    name: "exp_nat_nla_policy",
    set: &ct::EXPECT_NAT,
    rules: &[r("dir", Check::Be32Max(1)), r("tuple", Check::Nested)],
};

/// How a nest is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `nla_parse_deprecated` / `nla_parse_nested_deprecated`.
    Liberal,
    /// `nla_parse_nested`: NLA_F_NESTED required on the nest, exact lengths,
    /// NLA_F_NESTED only on nests, no unknown types, no trailing bytes.
    Strict,
}

/// `nlmsg_flags` bits the handlers test.
pub mod nlf {
    /// NLM_F_ROOT | NLM_F_MATCH: `flags & NLM_F_DUMP` is true with either bit.
    pub const DUMP: u16 = 0x300;
    /// NLM_F_EXCL.
    pub const EXCL: u16 = 0x200;
    /// NLM_F_CREATE.
    pub const CREATE: u16 = 0x400;
    /// NLM_F_REPLACE.
    pub const REPLACE: u16 = 0x100;
}

/// Address families of nfgenmsg (NFPROTO_*).
pub mod family {
    /// NFPROTO_IPV4.
    pub const INET: u8 = 2;
    /// NFPROTO_IPV6.
    pub const INET6: u8 = 10;
}

/// Where a tuple's zone goes (`struct nf_conntrack_zone *zone` of
/// `ctnetlink_parse_tuple_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneArg {
    /// A zone: a tuple-zone sets it, unless it is already set.
    Ptr,
    /// NULL (expectation and master tuples): a tuple-zone is -EINVAL.
    Null,
}

/// The `flags` argument of `ctnetlink_parse_tuple_filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TupleFlags {
    /// `CTA_FILTER_FLAG(ALL)` (`ctnetlink_parse_tuple`).
    All,
    /// The filter's orig-flags.
    FilterOrig,
    /// The filter's reply-flags.
    FilterReply,
}

/// Which parsed tuple a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// tuple-orig (or an expectation's tuple).
    Orig,
    /// tuple-reply.
    Reply,
    /// tuple-master, mask, or a NAT tuple.
    Other,
}

/// The nfgenmsg family a filter matches (`ctnetlink_alloc_filter`'s family).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFamily {
    /// nfgenmsg's family (dumps).
    Nfgen,
    /// `version || CTA_FILTER ? family : AF_UNSPEC` (`ctnetlink_del_conntrack` flush).
    Flush,
}

/// A condition of a step.
#[derive(Debug)]
pub enum Cond {
    /// Attribute present (in the current nest; the last of duplicates counts).
    Has(&'static str),
    /// Any of these nlmsg_flags bits set.
    Flags(u16),
    /// nfgenmsg family is one of these.
    Family(&'static [u8]),
    /// The tuple parse's flags contain this CTA_FILTER flag (by name, set
    /// `ct-filter-flags`).
    TupleFlag(&'static str),
    /// The tuple parse's zone argument is NULL.
    ZoneNull,
    /// The zone id is already set (not NF_CT_DEFAULT_ZONE_ID).
    ZoneSet,
    /// The filter's orig-flags are not 0.
    FilterOrig,
    /// The filter's reply-flags are not 0.
    FilterReply,
    /// `ctnetlink_needs_filter(family, cda)` with the filter's family.
    NeedsFilter,
    /// The u32 value of an attribute of the current nest equals this (big-endian).
    Be32Is(&'static str, u32),
    /// tuple-orig and tuple-reply were parsed with different protocols.
    ProtoDiffers,
    /// The string value (up to the NUL) of an attribute is in this list.
    StrIn(&'static str, &'static [&'static str]),
    /// The first byte of an attribute (`nla_get_u8`) is one of these.
    U8In(&'static str, &'static [u8]),
    /// The current level's walk stopped at a broken attribute of this name (its
    /// nla_len below 4 or past the end): the kernel does not see it.
    Hidden(&'static str),
    /// The filter's family is one of these.
    FilterFamilyIs(&'static [u8]),
    /// The filter's orig-flags or reply-flags contain one of these CTA_FILTER flags.
    FilterFlag(&'static [&'static str]),
    /// Negation.
    Not(&'static Cond),
    /// Every condition.
    All(&'static [Cond]),
    /// Any condition.
    Any(&'static [Cond]),
}

/// What a failing step reports.
#[derive(Debug)]
pub struct Fail {
    /// The errno.
    pub errno: i32,
    /// The finding the decoder reports for it.
    pub code: Code,
    /// Attribute it is about (kernel name in the current nest; `""`: the nest).
    pub at: &'static str,
    /// Why, in a few words.
    pub why: &'static str,
    /// The kernel function.
    pub cite: &'static str,
}

/// One step of a handler.
#[derive(Debug)]
pub enum Step {
    /// Parses attribute `attr` of the current nest with `policy` and runs `body`
    /// inside it. A policy failure ends the handler with its errno.
    Parse {
        /// Kernel name of the nest.
        attr: &'static str,
        /// Its policy.
        policy: &'static Policy,
        /// Liberal or strict.
        mode: Mode,
        /// Steps inside the nest.
        body: &'static [Step],
        /// The kernel function.
        cite: &'static str,
    },
    /// Parses attribute `attr` of the current nest with the policy that the `u8`
    /// value of its sibling `selector` chooses (`nla_get_u8`): cttimeout's data by
    /// l4proto (`ctnl_timeout_parse_policy` with `l4proto->ctnl_timeout`). Nothing
    /// is parsed when the selector is absent or has no case.
    ParseBy {
        /// Kernel name of the nest.
        attr: &'static str,
        /// Kernel name of the sibling whose value selects the policy.
        selector: &'static str,
        /// Selector value -> policy.
        cases: &'static [(u8, &'static Policy)],
        /// Liberal or strict.
        mode: Mode,
        /// The kernel function.
        cite: &'static str,
    },
    /// Fails when `when` holds.
    FailIf(&'static Cond, Fail),
    /// Fails when attribute `Fail::at` is absent.
    Need(Fail),
    /// Fails.
    Fail(Fail),
    /// Reports a finding without failing: something the kernel does that the user
    /// would not expect (condition, code, attribute, text, kernel function).
    Note(
        &'static Cond,
        Code,
        &'static str,
        &'static str,
        &'static str,
    ),
    /// Runs `then` or `otherwise`.
    If(&'static Cond, &'static [Step], &'static [Step]),
    /// `ctnetlink_parse_tuple_filter` on attribute `attr` of the current nest.
    Tuple {
        /// The tuple attribute.
        attr: &'static str,
        /// The zone argument.
        zone: ZoneArg,
        /// The flags argument.
        flags: TupleFlags,
        /// Where its protocol is kept.
        slot: Slot,
    },
    /// Inside tuple-proto: the l4 protocol of proto-num validates the nest with its
    /// policy and takes its members (`ctnetlink_parse_tuple_proto`, [`L4`]).
    L4Tuple,
    /// Inside protoinfo: the entry's l4 protocol parses its own nest
    /// (`ctnetlink_change_protoinfo`, `l4proto->from_nlattr`).
    L4Protoinfo,
    /// `ctnetlink_parse_zone`: zones are built in; sets the zone from attribute `attr`.
    Zone(&'static str),
    /// Sets the zone from the tuple-zone of the current tuple
    /// (`ctnetlink_parse_tuple_zone`).
    TupleZone,
    /// Reads the filter flags of the current (filter) nest.
    FilterFlags,
    /// Sets the filter family (`ctnetlink_alloc_filter`'s argument).
    FilterFamily(FilterFamily),
    /// `nf_ct_change_status_common` on a new entry (CONFIRMED set, nothing else
    /// that matters) or an existing one.
    Status {
        /// A create (the entry has only IPS_CONFIRMED) rather than an update.
        create: bool,
    },
    /// `ctnetlink_attach_labels` on an update.
    Labels,
    /// A helper lookup (`__nf_conntrack_helper_find`) by the help-name of the
    /// current nest.
    Helper {
        /// A create (helper attached) rather than an update (`ctnetlink_change_helper`).
        create: bool,
    },
    /// The table decides which branch runs (`NLM_F_CREATE` without `NLM_F_EXCL`:
    /// create when the entry is absent, update when it exists): the verdict is the
    /// branches' when they agree, `depends` when not.
    Either {
        /// When the entry is absent.
        absent: &'static [Step],
        /// When it exists.
        present: &'static [Step],
        /// What is looked up, what the kernel does when it is absent and when it
        /// exists, for the `depends` sentence (`the entry`, `creates it`, `updates it`).
        words: [&'static str; 3],
        /// The kernel function.
        cite: &'static str,
    },
    /// The kernel consults the table here (the function named): its answers
    /// (ENOENT, EEXIST) come before every check that follows.
    Lookup(&'static str),
    /// The table's state can also answer with these errnos (beyond ENOENT and
    /// EEXIST): cttimeout's EBUSY for a name that exists or a policy in use. Like
    /// ENOENT and EEXIST they are not the request's fault, so they agree with the
    /// verdict (why, the kernel function).
    Table(&'static [i32], &'static str),
    /// The outcome depends on state the capture does not show (condition, what it
    /// depends on, the kernel function).
    Depends(&'static Cond, &'static str, &'static str),
    /// The handler ends here: the kernel goes on to the table (lookups, inserts),
    /// whose answers (ENOENT, EEXIST) are not the request's fault.
    Accept(&'static str),
}

/// The `nfnl_callback` of one message type.
#[derive(Debug)]
pub struct Handler {
    /// The kernel function.
    pub name: &'static str,
    /// The callback's policy (`None`: `attr_count` 0, nothing is parsed).
    pub policy: Option<&'static Policy>,
    /// Its checks, in order.
    pub steps: &'static [Step],
}

/// An l4 protocol's part in tuples and protoinfo (`struct nf_conntrack_l4proto`).
#[derive(Debug)]
pub struct L4 {
    /// IP protocol number.
    pub num: u8,
    /// Name.
    pub name: &'static str,
    /// `nla_policy` of its tuple members (`None`: no `nlattr_to_tuple`).
    pub tuple_policy: Option<&'static Policy>,
    /// Members `nlattr_to_tuple` takes, in its order: (attribute, CTA_FILTER flag).
    pub members: &'static [(&'static str, &'static str)],
    /// ICMP types with an inverse (`invmap`): the type member must be one.
    pub inverse: Option<(&'static str, &'static [u8])>,
    /// `from_nlattr`: the protoinfo nest it parses, its policy, required members.
    pub protoinfo: Option<(&'static str, &'static Policy, &'static [&'static str])>,
}

const PORTS: &[(&str, &str)] = &[
    ("proto-src-port", "proto-src-port"),
    ("proto-dst-port", "proto-dst-port"),
];

/// The l4 protocols of `nf_ct_l4proto_find` (nf_conntrack_proto.c); any other
/// number is the generic tracker (no tuple members). DCCP was removed in 6.17: its
/// tuples are generic now.
pub static L4_PROTOS: &[L4] = &[
    L4 {
        num: 6,
        name: "tcp",
        tuple_policy: Some(&PORT_POLICY),
        members: PORTS,
        inverse: None,
        protoinfo: Some(("protoinfo-tcp", &TCP_POLICY, &[])),
    },
    L4 {
        num: 17,
        name: "udp",
        tuple_policy: Some(&PORT_POLICY),
        members: PORTS,
        inverse: None,
        protoinfo: None,
    },
    L4 {
        num: 136,
        name: "udplite",
        tuple_policy: Some(&PORT_POLICY),
        members: PORTS,
        inverse: None,
        protoinfo: None,
    },
    L4 {
        num: 132,
        name: "sctp",
        tuple_policy: Some(&PORT_POLICY),
        members: PORTS,
        inverse: None,
        protoinfo: Some((
            "protoinfo-sctp",
            &SCTP_POLICY,
            &["sctp-state", "vtag-original", "vtag-reply"],
        )),
    },
    L4 {
        num: 47,
        name: "gre",
        tuple_policy: Some(&PORT_POLICY),
        members: PORTS,
        inverse: None,
        protoinfo: None,
    },
    L4 {
        num: 1,
        name: "icmp",
        tuple_policy: Some(&ICMP_POLICY),
        members: &[
            ("proto-icmp-type", "proto-icmp-type"),
            ("proto-icmp-code", "proto-icmp-code"),
            ("proto-icmp-id", "proto-icmp-id"),
        ],
        inverse: Some(("proto-icmp-type", &[0, 8, 13, 14, 15, 16, 17, 18])),
        protoinfo: None,
    },
    L4 {
        num: 58,
        name: "icmpv6",
        tuple_policy: Some(&ICMPV6_POLICY),
        members: &[
            ("proto-icmpv6-type", "proto-icmpv6-type"),
            ("proto-icmpv6-code", "proto-icmpv6-code"),
            ("proto-icmpv6-id", "proto-icmpv6-id"),
        ],
        inverse: Some(("proto-icmpv6-type", &[128, 129, 139, 140])),
        protoinfo: None,
    },
];

/// The l4 protocol of number `num` (`None`: generic).
pub fn l4(num: u8) -> Option<&'static L4> {
    L4_PROTOS.iter().find(|p| p.num == num)
}

/// The conntrack helpers a stock kernel registers (each module's
/// `nf_ct_helper_init`): name, families, protocol. `ctnetlink_create_conntrack`
/// loads a missing one with `request_module("nfct-helper-%s")`.
pub static HELPERS: &[(&str, &[u8], u8)] = &[
    ("ftp", &[2, 10], 6),
    ("irc", &[2], 6),
    ("sip", &[2, 10], 17),
    ("sip", &[2, 10], 6),
    ("tftp", &[2, 10], 17),
    ("amanda", &[2, 10], 17),
    ("RAS", &[2, 10], 17),
    ("Q.931", &[2, 10], 6),
    ("pptp", &[2], 6),
    ("sane", &[2, 10], 6),
    ("snmp", &[2], 17),
    ("snmp_trap", &[2], 17),
    ("netbios-ns", &[2], 17),
];

/// Expectation functions a stock kernel registers (`nf_ct_helper_expectfn_register`).
pub static EXPECT_FNS: &[&str] = &["nat-follow-master", "sip", "Q.931", "callforwarding"];

/// A check that refuses with `errno`, finding `code` at `at`, because of `why`.
const fn fail(
    errno: i32,
    code: Code,
    at: &'static str,
    why: &'static str,
    cite: &'static str,
) -> Fail {
    Fail {
        errno,
        code,
        at,
        why,
        cite,
    }
}

/// The attribute at `at` must be there (EINVAL, `missing_attr`).
const fn need(at: &'static str, cite: &'static str) -> Step {
    Step::Need(fail(EINVAL, Code::MissingAttr, at, "missing", cite))
}

/// A member of a nest that needs all of its members.
const fn member(at: &'static str, cite: &'static str) -> Step {
    Step::Need(fail(EINVAL, Code::MissingMember, at, "missing", cite))
}

/// `ctnetlink_parse_tuple_filter`: the body of a tuple nest.
pub static TUPLE_BODY: &[Step] = &[
    Step::FailIf(
        &Cond::Not(&Cond::Family(&[family::INET, family::INET6])),
        fail(
            EOPNOTSUPP,
            Code::FamilyNotSupported,
            "",
            "a tuple needs nfgenmsg family ipv4 or ipv6",
            "ctnetlink_parse_tuple_filter",
        ),
    ),
    Step::If(
        &Cond::Any(&[Cond::TupleFlag("ip-src"), Cond::TupleFlag("ip-dst")]),
        &[
            need("tuple-ip", "ctnetlink_parse_tuple_filter"),
            Step::Parse {
                attr: "tuple-ip",
                policy: &IP_POLICY,
                mode: Mode::Liberal,
                cite: "ctnetlink_parse_tuple_ip",
                body: &[Step::If(
                    &Cond::Family(&[family::INET]),
                    &[
                        Step::If(
                            &Cond::TupleFlag("ip-src"),
                            &[need("ip-v4-src", "ipv4_nlattr_to_tuple")],
                            &[],
                        ),
                        Step::If(
                            &Cond::TupleFlag("ip-dst"),
                            &[need("ip-v4-dst", "ipv4_nlattr_to_tuple")],
                            &[],
                        ),
                    ],
                    // Other families take no address (the switch of
                    // ctnetlink_parse_tuple_ip has no default case).
                    &[Step::If(
                        &Cond::Family(&[family::INET6]),
                        &[
                            Step::If(
                                &Cond::TupleFlag("ip-src"),
                                &[need("ip-v6-src", "ipv6_nlattr_to_tuple")],
                                &[],
                            ),
                            Step::If(
                                &Cond::TupleFlag("ip-dst"),
                                &[need("ip-v6-dst", "ipv6_nlattr_to_tuple")],
                                &[],
                            ),
                        ],
                        &[],
                    )],
                )],
            },
        ],
        &[],
    ),
    Step::If(
        &Cond::TupleFlag("proto-num"),
        &[
            need("tuple-proto", "ctnetlink_parse_tuple_filter"),
            Step::Parse {
                attr: "tuple-proto",
                policy: &PROTO_POLICY,
                mode: Mode::Liberal,
                cite: "ctnetlink_parse_tuple_proto",
                body: &[
                    need("proto-num", "ctnetlink_parse_tuple_proto"),
                    Step::L4Tuple,
                ],
            },
        ],
        &[Step::FailIf(
            &Cond::Any(&[
                Cond::TupleFlag("proto-src-port"),
                Cond::TupleFlag("proto-dst-port"),
                Cond::TupleFlag("proto-icmp-type"),
                Cond::TupleFlag("proto-icmp-code"),
                Cond::TupleFlag("proto-icmp-id"),
                Cond::TupleFlag("proto-icmpv6-type"),
                Cond::TupleFlag("proto-icmpv6-code"),
                Cond::TupleFlag("proto-icmpv6-id"),
            ]),
            fail(
                EINVAL,
                Code::FilterWithoutProto,
                "",
                "filter flags select ports or icmp fields without proto-num",
                "ctnetlink_parse_tuple_filter",
            ),
        )],
    ),
    Step::If(
        &Cond::All(&[Cond::TupleFlag("tuple-zone"), Cond::Has("tuple-zone")]),
        &[
            Step::FailIf(
                &Cond::ZoneNull,
                fail(
                    EINVAL,
                    Code::ZoneConflict,
                    "tuple-zone",
                    "this tuple takes no zone (expectation and master tuples)",
                    "ctnetlink_parse_tuple_filter",
                ),
            ),
            Step::FailIf(
                &Cond::ZoneSet,
                fail(
                    EINVAL,
                    Code::ZoneConflict,
                    "tuple-zone",
                    "the zone is already set (by zone or the other tuple's tuple-zone)",
                    "ctnetlink_parse_tuple_zone",
                ),
            ),
            Step::TupleZone,
        ],
        &[],
    ),
];

/// `ctnetlink_alloc_filter` (a dump's or a flush's filter).
pub static FILTER_STEPS: &[Step] = &[
    Step::FailIf(
        &Cond::All(&[Cond::Has("mark-mask"), Cond::Not(&Cond::Has("mark"))]),
        fail(
            EINVAL,
            Code::MarkMaskWithoutMark,
            "mark-mask",
            "mark-mask without mark",
            "ctnetlink_filter_parse_mark",
        ),
    ),
    Step::If(
        &Cond::Has("status"),
        &[Step::If(
            &Cond::Has("status-mask"),
            &[Step::FailIf(
                &Cond::Be32Is("status-mask", 0),
                fail(
                    EINVAL,
                    Code::StatusMaskZero,
                    "status-mask",
                    "status-mask 0 matches nothing",
                    "ctnetlink_filter_parse_status",
                ),
            )],
            &[Step::FailIf(
                &Cond::Be32Is("status", 0),
                fail(
                    EINVAL,
                    Code::StatusMaskZero,
                    "status",
                    "status 0 without status-mask is a mask of 0",
                    "ctnetlink_filter_parse_status",
                ),
            )],
        )],
        &[Step::FailIf(
            &Cond::Has("status-mask"),
            fail(
                EINVAL,
                Code::StatusMaskWithoutStatus,
                "status-mask",
                "status-mask without status",
                "ctnetlink_filter_parse_status",
            ),
        )],
    ),
    Step::If(&Cond::Has("zone"), &[Step::Zone("zone")], &[]),
    Step::If(
        &Cond::Has("filter"),
        &[
            Step::Parse {
                attr: "filter",
                policy: &FILTER_POLICY,
                mode: Mode::Strict,
                cite: "ctnetlink_parse_filter",
                body: &[Step::FilterFlags],
            },
            Step::Note(
                &Cond::All(&[
                    Cond::FilterFamilyIs(&[family::INET6]),
                    Cond::FilterFlag(&["ip-src", "ip-dst"]),
                ]),
                Code::KernelIpv6FilterInverted,
                "filter",
                "the 6.18 kernel's IPv6 address match is inverted (!ipv6_addr_cmp): the dump returns the entries whose address differs",
                "ctnetlink_filter_match_tuple",
            ),
            Step::If(
                &Cond::FilterOrig,
                &[
                    need("tuple-orig", "ctnetlink_alloc_filter"),
                    Step::Tuple {
                        attr: "tuple-orig",
                        zone: ZoneArg::Ptr,
                        flags: TupleFlags::FilterOrig,
                        slot: Slot::Orig,
                    },
                ],
                &[],
            ),
            Step::If(
                &Cond::FilterReply,
                &[
                    need("tuple-reply", "ctnetlink_alloc_filter"),
                    Step::Tuple {
                        attr: "tuple-reply",
                        zone: ZoneArg::Ptr,
                        flags: TupleFlags::FilterReply,
                        slot: Slot::Reply,
                    },
                ],
                &[],
            ),
        ],
        &[],
    ),
];

const ORIG: Step = Step::Tuple {
    attr: "tuple-orig",
    zone: ZoneArg::Ptr,
    flags: TupleFlags::All,
    slot: Slot::Orig,
};
const REPLY: Step = Step::Tuple {
    attr: "tuple-reply",
    zone: ZoneArg::Ptr,
    flags: TupleFlags::All,
    slot: Slot::Reply,
};

/// `ctnetlink_parse_help`, then the helper lookup of a create or an update.
macro_rules! help {
    ($create:literal) => {
        Step::Parse {
            attr: "help",
            policy: &HELP_POLICY,
            mode: Mode::Liberal,
            cite: "ctnetlink_parse_help",
            body: &[
                need("help-name", "ctnetlink_parse_help"),
                Step::Helper { create: $create },
            ],
        }
    };
}

/// `change_seq_adj` of one direction.
macro_rules! seqadj {
    ($attr:literal) => {
        Step::If(
            &Cond::Has($attr),
            &[Step::Parse {
                attr: $attr,
                policy: &SEQADJ_POLICY,
                mode: Mode::Liberal,
                cite: "change_seq_adj",
                body: &[
                    member("correction-pos", "change_seq_adj"),
                    member("offset-before", "change_seq_adj"),
                    member("offset-after", "change_seq_adj"),
                ],
            }],
            &[],
        )
    };
}

/// `ctnetlink_change_synproxy`: the three members are tested together.
const SYNPROXY: Step = Step::If(
    &Cond::Has("synproxy"),
    &[Step::Parse {
        attr: "synproxy",
        policy: &SYNPROXY_POLICY,
        mode: Mode::Liberal,
        cite: "ctnetlink_change_synproxy",
        body: &[
            member("isn", "ctnetlink_change_synproxy"),
            member("its", "ctnetlink_change_synproxy"),
            member("tsoff", "ctnetlink_change_synproxy"),
        ],
    }],
    &[],
);

/// `ctnetlink_change_protoinfo`.
const PROTOINFO: Step = Step::If(
    &Cond::Has("protoinfo"),
    &[Step::Parse {
        attr: "protoinfo",
        policy: &PROTOINFO_POLICY,
        mode: Mode::Liberal,
        cite: "ctnetlink_change_protoinfo",
        body: &[Step::L4Protoinfo],
    }],
    &[],
);

/// `nfnetlink_parse_nat_setup` of one manipulation (nf_nat_core.c).
macro_rules! nat {
    ($attr:literal) => {
        Step::If(
            &Cond::Has($attr),
            &[Step::Parse {
                attr: $attr,
                policy: &NAT_POLICY,
                mode: Mode::Liberal,
                cite: "nfnetlink_parse_nat",
                body: &[Step::If(
                    &Cond::Has("nat-proto"),
                    &[Step::Parse {
                        attr: "nat-proto",
                        policy: &PROTONAT_POLICY,
                        mode: Mode::Liberal,
                        cite: "nfnetlink_parse_nat_proto",
                        body: &[],
                    }],
                    &[],
                )],
            }],
            &[],
        )
    };
}

/// The create branch of `ctnetlink_new_conntrack` and `ctnetlink_create_conntrack`.
static CT_CREATE: &[Step] = &[
    Step::FailIf(
        &Cond::Not(&Cond::Has("tuple-orig")),
        fail(EINVAL, Code::CreateMissingAttr, "tuple-orig", "a create needs both tuples", "ctnetlink_new_conntrack"),
    ),
    Step::FailIf(
        &Cond::Not(&Cond::Has("tuple-reply")),
        fail(EINVAL, Code::CreateMissingAttr, "tuple-reply", "a create needs both tuples", "ctnetlink_new_conntrack"),
    ),
    Step::FailIf(
        &Cond::ProtoDiffers,
        fail(EINVAL, Code::TupleProtoMismatch, "tuple-reply", "tuple-orig and tuple-reply are of different protocols", "ctnetlink_new_conntrack"),
    ),
    Step::FailIf(
        &Cond::Not(&Cond::Has("timeout")),
        fail(EINVAL, Code::CreateMissingAttr, "timeout", "a create needs a timeout", "ctnetlink_create_conntrack"),
    ),
    Step::If(&Cond::Has("help"), &[help!(true)], &[]),
    nat!("nat-dst"),
    nat!("nat-src"),
    Step::If(&Cond::Has("status"), &[Step::Status { create: true }], &[]),
    seqadj!("seq-adj-orig"),
    seqadj!("seq-adj-reply"),
    PROTOINFO,
    SYNPROXY,
    Step::If(
        &Cond::Has("tuple-master"),
        &[
            Step::Tuple { attr: "tuple-master", zone: ZoneArg::Null, flags: TupleFlags::All, slot: Slot::Other },
            Step::Lookup("nf_conntrack_find_get"),
        ],
        &[],
    ),
    Step::Accept("create (EEXIST if the entry exists, ENOENT if tuple-master's entry does not; labels errors are ignored)"),
];

/// `ctnetlink_change_conntrack` (the entry exists, no NLM_F_EXCL).
static CT_UPDATE: &[Step] = &[
    Step::FailIf(
        &Cond::Any(&[
            Cond::Has("nat-src"),
            Cond::Has("nat-dst"),
            Cond::Has("tuple-master"),
        ]),
        fail(
            EOPNOTSUPP,
            Code::NotOnUpdate,
            "",
            "NAT and tuple-master only on new entries",
            "ctnetlink_change_conntrack",
        ),
    ),
    Step::If(&Cond::Has("help"), &[help!(false)], &[]),
    Step::If(&Cond::Has("status"), &[Step::Status { create: false }], &[]),
    PROTOINFO,
    seqadj!("seq-adj-orig"),
    seqadj!("seq-adj-reply"),
    SYNPROXY,
    Step::If(&Cond::Has("labels"), &[Step::Labels], &[]),
    Step::Accept("update of the entry (ENOENT if it does not exist)"),
];

/// `ctnetlink_new_conntrack`.
pub static CT_NEW: Handler = Handler {
    name: "ctnetlink_new_conntrack",
    policy: Some(&CT_POLICY),
    steps: &[
        Step::Zone("zone"),
        Step::If(&Cond::Has("tuple-orig"), &[ORIG], &[]),
        Step::If(&Cond::Has("tuple-reply"), &[REPLY], &[]),
        Step::Lookup("nf_conntrack_find_get"),
        Step::If(
            &Cond::Flags(nlf::CREATE),
            &[Step::If(
                &Cond::Flags(nlf::EXCL),
                CT_CREATE,
                &[Step::Either {
                    absent: CT_CREATE,
                    present: CT_UPDATE,
                    words: ["the entry", "creates it", "updates it"],
                    cite: "ctnetlink_new_conntrack",
                }],
            )],
            &[
                Step::FailIf(
                    &Cond::Not(&Cond::Any(&[Cond::Has("tuple-orig"), Cond::Has("tuple-reply")])),
                    fail(ENOENT, Code::MissingAttr, "tuple-orig", "an update without tuple-orig or tuple-reply finds no entry", "ctnetlink_new_conntrack"),
                ),
                Step::If(
                    &Cond::Flags(nlf::EXCL),
                    &[Step::Accept("NLM_F_EXCL without NLM_F_CREATE: EEXIST if the entry exists, ENOENT if not")],
                    CT_UPDATE,
                ),
            ],
        ),
    ],
};

/// `ctnetlink_get_conntrack` (GET and GET_CTRZERO).
pub static CT_GET: Handler = Handler {
    name: "ctnetlink_get_conntrack",
    policy: Some(&CT_POLICY),
    steps: &[
        Step::If(
            &Cond::Flags(nlf::DUMP),
            &[
                Step::FilterFamily(FilterFamily::Nfgen),
                Step::If(&Cond::NeedsFilter, FILTER_STEPS, &[]),
                Step::Accept("dump (ctnetlink_start, ctnetlink_dump_table)"),
            ],
            &[],
        ),
        Step::Zone("zone"),
        Step::If(
            &Cond::Has("tuple-orig"),
            &[ORIG],
            &[Step::If(
                &Cond::Has("tuple-reply"),
                &[REPLY],
                &[Step::Fail(fail(
                    EINVAL,
                    Code::MissingAttr,
                    "tuple-orig",
                    "a get of one entry needs tuple-orig or tuple-reply",
                    "ctnetlink_get_conntrack",
                ))],
            )],
        ),
        Step::Accept("lookup (ENOENT if the entry does not exist)"),
    ],
};

/// `ctnetlink_del_conntrack`.
pub static CT_DELETE: Handler = Handler {
    name: "ctnetlink_del_conntrack",
    policy: Some(&CT_POLICY),
    steps: &[
        Step::Zone("zone"),
        Step::If(
            &Cond::All(&[Cond::Has("tuple-orig"), Cond::Not(&Cond::Has("filter"))]),
            &[ORIG, Step::Accept("delete of one entry (ENOENT if it does not exist)")],
            &[],
        ),
        Step::If(
            &Cond::All(&[Cond::Has("tuple-reply"), Cond::Not(&Cond::Has("filter"))]),
            &[REPLY, Step::Accept("delete of one entry (ENOENT if it does not exist)")],
            &[],
        ),
        Step::Note(
            &Cond::Any(&[Cond::Hidden("tuple-orig"), Cond::Hidden("tuple-reply")]),
            Code::DeleteFlushesTable,
            "",
            "the tuple runs past the end of the message, so the kernel does not see it: this delete flushes the whole table",
            "ctnetlink_del_conntrack",
        ),
        Step::FilterFamily(FilterFamily::Flush),
        Step::If(&Cond::NeedsFilter, FILTER_STEPS, &[]),
        Step::Accept("flush (ctnetlink_flush_conntrack)"),
    ],
};

/// `ctnetlink_get_ct_dying` / `ctnetlink_get_ct_unconfirmed`: no attributes parsed.
pub static CT_LIST: Handler = Handler {
    name: "ctnetlink_get_ct_dying",
    policy: None,
    steps: &[
        Step::FailIf(
            &Cond::Not(&Cond::Flags(nlf::DUMP)),
            fail(
                EOPNOTSUPP,
                Code::DumpOnly,
                "",
                "only a dump is supported",
                "ctnetlink_get_ct_dying",
            ),
        ),
        Step::Accept("dump"),
    ],
};

/// `ctnetlink_stat_ct_cpu`: no attributes parsed; without NLM_F_DUMP it returns 0.
pub static CT_STATS_CPU: Handler = Handler {
    name: "ctnetlink_stat_ct_cpu",
    policy: None,
    steps: &[Step::Accept(
        "per-CPU statistics (nothing without NLM_F_DUMP)",
    )],
};

/// `ctnetlink_stat_ct`: no attributes parsed.
pub static CT_STATS: Handler = Handler {
    name: "ctnetlink_stat_ct",
    policy: None,
    steps: &[Step::Accept("global statistics")],
};

const EXP_TUPLE: Step = Step::Tuple {
    attr: "tuple",
    zone: ZoneArg::Null,
    flags: TupleFlags::All,
    slot: Slot::Orig,
};
const EXP_MASTER: Step = Step::Tuple {
    attr: "master",
    zone: ZoneArg::Null,
    flags: TupleFlags::All,
    slot: Slot::Other,
};

/// `ctnetlink_get_expect`.
pub static EXP_GET: Handler = Handler {
    name: "ctnetlink_get_expect",
    policy: Some(&EXP_POLICY),
    steps: &[
        Step::If(
            &Cond::Flags(nlf::DUMP),
            &[
                Step::If(
                    &Cond::Has("master"),
                    &[
                        EXP_MASTER,
                        Step::Zone("zone"),
                        Step::Accept("dump of the master's expectations (ctnetlink_dump_exp_ct; ENOENT if the master does not exist)"),
                    ],
                    &[Step::Accept("dump (ctnetlink_exp_dump_table)")],
                ),
            ],
            &[],
        ),
        Step::Zone("zone"),
        Step::If(
            &Cond::Has("tuple"),
            &[EXP_TUPLE],
            &[Step::If(
                &Cond::Has("master"),
                &[EXP_MASTER],
                &[Step::Fail(fail(
                    EINVAL,
                    Code::MissingAttr,
                    "tuple",
                    "a get of one expectation needs tuple or master",
                    "ctnetlink_get_expect",
                ))],
            )],
        ),
        Step::Accept("lookup (ENOENT if the expectation does not exist)"),
    ],
};

/// `ctnetlink_del_expect`.
pub static EXP_DELETE: Handler = Handler {
    name: "ctnetlink_del_expect",
    policy: Some(&EXP_POLICY),
    steps: &[
        Step::If(
            &Cond::Has("tuple"),
            &[
                Step::Zone("zone"),
                EXP_TUPLE,
                Step::Accept("delete of one expectation (ENOENT if it does not exist)"),
            ],
            &[],
        ),
        Step::If(
            &Cond::Has("help-name"),
            &[Step::Accept("flush of the helper's expectations")],
            &[],
        ),
        Step::Accept("flush of every expectation"),
    ],
};

/// `ctnetlink_parse_expect_nat`.
const EXP_NAT: Step = Step::If(
    &Cond::Has("nat"),
    &[Step::Parse {
        attr: "nat",
        policy: &EXP_NAT_POLICY,
        mode: Mode::Liberal,
        cite: "ctnetlink_parse_expect_nat",
        body: &[
            Step::FailIf(
                &Cond::Not(&Cond::All(&[Cond::Has("dir"), Cond::Has("tuple")])),
                fail(
                    EINVAL,
                    Code::MissingAttr,
                    "dir",
                    "expect-nat needs dir and tuple",
                    "ctnetlink_parse_expect_nat",
                ),
            ),
            Step::Tuple {
                attr: "tuple",
                zone: ZoneArg::Null,
                flags: TupleFlags::All,
                slot: Slot::Other,
            },
        ],
    }],
    &[],
);

/// `ctnetlink_new_expect`, `ctnetlink_create_expect`, `ctnetlink_alloc_expect`.
pub static EXP_NEW: Handler = Handler {
    name: "ctnetlink_new_expect",
    policy: Some(&EXP_POLICY),
    steps: &[
        Step::FailIf(
            &Cond::Not(&Cond::Has("tuple")),
            fail(
                EINVAL,
                Code::MissingAttr,
                "tuple",
                "a new expectation needs tuple, mask and master",
                "ctnetlink_new_expect",
            ),
        ),
        Step::FailIf(
            &Cond::Not(&Cond::Has("mask")),
            fail(
                EINVAL,
                Code::MissingAttr,
                "mask",
                "a new expectation needs tuple, mask and master",
                "ctnetlink_new_expect",
            ),
        ),
        Step::FailIf(
            &Cond::Not(&Cond::Has("master")),
            fail(
                EINVAL,
                Code::MissingAttr,
                "master",
                "a new expectation needs tuple, mask and master",
                "ctnetlink_new_expect",
            ),
        ),
        Step::Zone("zone"),
        EXP_TUPLE,
        Step::Lookup("__nf_ct_expect_find"),
        Step::If(
            &Cond::Flags(nlf::CREATE),
            &[Step::If(
                &Cond::Flags(nlf::EXCL),
                EXP_CREATE,
                &[Step::Either {
                    absent: EXP_CREATE,
                    present: EXP_UPDATE,
                    words: ["the expectation", "creates it", "updates it"],
                    cite: "ctnetlink_new_expect",
                }],
            )],
            EXP_UPDATE,
        ),
    ],
};

/// `ctnetlink_create_expect` and `ctnetlink_alloc_expect`.
static EXP_CREATE: &[Step] = &[
    Step::Tuple {
        attr: "mask",
        zone: ZoneArg::Null,
        flags: TupleFlags::All,
        slot: Slot::Other,
    },
    EXP_MASTER,
    Step::Lookup("nf_conntrack_find_get"),
    Step::Depends(
        &Cond::All(&[Cond::Has("class"), Cond::Not(&Cond::Be32Is("class", 0))]),
        "on the master's helper: a class above its expect_class_max is EINVAL",
        "ctnetlink_alloc_expect",
    ),
    Step::FailIf(
        &Cond::All(&[Cond::Has("fn"), Cond::Not(&Cond::StrIn("fn", EXPECT_FNS))]),
        fail(
            EINVAL,
            Code::UnknownExpectFn,
            "fn",
            "no expectation function of that name",
            "ctnetlink_alloc_expect",
        ),
    ),
    EXP_NAT,
    Step::Accept("create (on a master with a helper; ENOENT if the master does not exist)"),
];

/// `ctnetlink_change_expect` (the expectation exists, no NLM_F_EXCL).
static EXP_UPDATE: &[Step] = &[Step::If(
    &Cond::Flags(nlf::EXCL),
    &[Step::Accept(
        "NLM_F_EXCL: EEXIST if the expectation exists, ENOENT if not",
    )],
    &[Step::Accept(
        "update of the expectation's timeout (ENOENT if it does not exist)",
    )],
)];

/// `ctnetlink_stat_exp_cpu`: no attributes parsed.
pub static EXP_STATS_CPU: Handler = Handler {
    name: "ctnetlink_stat_exp_cpu",
    policy: None,
    steps: &[Step::Accept(
        "per-CPU expectation statistics (nothing without NLM_F_DUMP)",
    )],
};
