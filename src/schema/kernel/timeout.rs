//! cttimeout's handlers (net/netfilter/nfnetlink_cttimeout.c, Linux 6.18) and the
//! per-protocol timeout policies of its `data` nest (each tracker's
//! `*_timeout_nla_policy` in net/netfilter/nf_conntrack_proto_*.c).
//!
//! Kernel facts these tables encode (checked against the live 6.18 kernel by
//! `examples/kernel_diff.rs`):
//! * nfgenmsg's family and every nlmsg_flags bit but NLM_F_EXCL, NLM_F_REPLACE and
//!   NLM_F_DUMP are ignored: NLM_F_CREATE means nothing here.
//! * A protocol is supported when `nf_ct_l4proto_find(l4proto)` returns its own
//!   tracker: 255 is the generic tracker's own number; any other unknown number
//!   falls back to generic and is -EOPNOTSUPP. DCCP (33) is too since its tracker
//!   was removed in 6.17, but older kernels take its timeouts: offline, without
//!   the kernel's version, the verdict on a DCCP policy is `depends`.
//! * The data nest is parsed with the deprecated (liberal) parser and a NULL
//!   extack; its timeouts are only NLA_U32 (at least 4 bytes, -ERANGE), and
//!   `nlattr_to_obj` refuses nothing.
//! * A new policy whose name exists is -EEXIST with NLM_F_EXCL, replaced with
//!   NLM_F_REPLACE (-EINVAL when its l3proto or l4proto differs), -EBUSY otherwise;
//!   deleting a policy in use (a conntrack entry or a rule holds it) is -EBUSY.
//!   Both EBUSYs are the table's answers, like ENOENT.

use super::{errno::*, fail, need, nlf, Check, Cond, Handler, Mode, Policy, Rule, Step};
use crate::finding::Code;
use crate::schema::timeout;

const fn u32(attr: &'static str) -> Rule {
    Rule {
        attr,
        check: Check::U32,
    }
}

/// `cttimeout_nla_policy`: `CTA_TIMEOUT_USE` has no entry.
pub static TIMEOUT_POLICY: Policy = Policy {
    name: "cttimeout_nla_policy",
    set: &timeout::TIMEOUT,
    rules: &[
        // .len = CTNL_TIMEOUT_NAME_MAX - 1
        Rule {
            attr: "name",
            check: Check::NulString(31),
        },
        Rule {
            attr: "l3proto",
            check: Check::U16,
        },
        Rule {
            attr: "l4proto",
            check: Check::U8,
        },
        Rule {
            attr: "data",
            check: Check::Nested,
        },
    ],
};

/// `tcp_timeout_nla_policy` (nf_conntrack_proto_tcp.c).
pub static TCP_POLICY: Policy = Policy {
    name: "tcp_timeout_nla_policy",
    set: &timeout::TCP,
    rules: &[
        u32("syn-sent"),
        u32("syn-recv"),
        u32("established"),
        u32("fin-wait"),
        u32("close-wait"),
        u32("last-ack"),
        u32("time-wait"),
        u32("close"),
        u32("syn-sent2"),
        u32("retrans"),
        u32("unack"),
    ],
};

/// `udp_timeout_nla_policy` (nf_conntrack_proto_udp.c): udp and udplite.
pub static UDP_POLICY: Policy = Policy {
    name: "udp_timeout_nla_policy",
    set: &timeout::UDP,
    rules: &[u32("unreplied"), u32("replied")],
};

/// `icmp_timeout_nla_policy` (nf_conntrack_proto_icmp.c).
pub static ICMP_POLICY: Policy = Policy {
    name: "icmp_timeout_nla_policy",
    set: &timeout::ICMP,
    rules: &[u32("timeout")],
};

/// `icmpv6_timeout_nla_policy` (nf_conntrack_proto_icmpv6.c).
pub static ICMPV6_POLICY: Policy = Policy {
    name: "icmpv6_timeout_nla_policy",
    set: &timeout::ICMPV6,
    rules: &[u32("timeout")],
};

/// `sctp_timeout_nla_policy` (nf_conntrack_proto_sctp.c): heartbeat-acked keeps
/// its entry, though no state uses it since 6.3.
pub static SCTP_POLICY: Policy = Policy {
    name: "sctp_timeout_nla_policy",
    set: &timeout::SCTP,
    rules: &[
        u32("closed"),
        u32("cookie-wait"),
        u32("cookie-echoed"),
        u32("established"),
        u32("shutdown-sent"),
        u32("shutdown-recd"),
        u32("shutdown-ack-sent"),
        u32("heartbeat-sent"),
        u32("heartbeat-acked"),
    ],
};

/// `gre_timeout_nla_policy` (nf_conntrack_proto_gre.c).
pub static GRE_POLICY: Policy = Policy {
    name: "gre_timeout_nla_policy",
    set: &timeout::GRE,
    rules: &[u32("unreplied"), u32("replied")],
};

/// `generic_timeout_nla_policy` (nf_conntrack_proto_generic.c).
pub static GENERIC_POLICY: Policy = Policy {
    name: "generic_timeout_nla_policy",
    set: &timeout::GENERIC,
    rules: &[u32("timeout")],
};

/// The trackers of `nf_ct_l4proto_find` with their `ctnl_timeout.nla_policy`
/// (every one is built into the 6.18 kernel: CONFIG_NF_CT_PROTO_SCTP, _UDPLITE,
/// _GRE and IPv6). 255 is the generic tracker's own number.
pub static L4_TIMEOUTS: &[(u8, &Policy)] = &[
    (6, &TCP_POLICY),
    (17, &UDP_POLICY),
    (136, &UDP_POLICY),
    (1, &ICMP_POLICY),
    (58, &ICMPV6_POLICY),
    (132, &SCTP_POLICY),
    (47, &GRE_POLICY),
    (255, &GENERIC_POLICY),
];

/// The protocol numbers of [`L4_TIMEOUTS`].
pub static SUPPORTED: &[u8] = &[6, 17, 136, 1, 58, 132, 47, 255];

/// `ctnl_timeout_parse_policy` of `data`, by `l4proto`.
const PARSE_DATA: Step = Step::ParseBy {
    attr: "data",
    selector: "l4proto",
    cases: L4_TIMEOUTS,
    mode: Mode::Liberal,
    cite: "ctnl_timeout_parse_policy",
};

/// `l4proto->l4proto != l4num`: the protocol has no tracker of its own; DCCP had
/// one before 6.17.
macro_rules! unsupported {
    ($cite:literal) => {
        Step::If(
            &Cond::U8In("l4proto", &[DCCP]),
            &[Step::Depends(
                &Cond::All(&[]),
                "on the kernel's version: DCCP's tracker was removed in 6.17 (EOPNOTSUPP since), older kernels take its timeouts",
                $cite,
            )],
            &[Step::Fail(fail(
                EOPNOTSUPP,
                Code::ProtoNotSupported,
                "l4proto",
                "no conntrack tracker of this protocol has timeouts",
                $cite,
            ))],
        )
    };
}

/// IPPROTO_DCCP.
const DCCP: u8 = 33;

/// The create of a new policy (its name is not in the list).
const CREATE: Step = Step::If(
    &Cond::U8In("l4proto", SUPPORTED),
    &[PARSE_DATA, Step::Accept("create of the timeout policy")],
    &[unsupported!("cttimeout_new_timeout")],
);

/// NLM_F_REPLACE of a policy of that name.
static REPLACE: &[Step] = &[
    Step::Depends(
        &Cond::All(&[]),
        "on the existing policy's protocols: an l3proto or l4proto other than the request's is EINVAL",
        "cttimeout_new_timeout",
    ),
    PARSE_DATA,
    Step::Accept("replace of the policy's timeouts"),
];

/// `cttimeout_new_timeout`.
pub static NEW: Handler = Handler {
    name: "cttimeout_new_timeout",
    policy: Some(&TIMEOUT_POLICY),
    steps: &[
        need("name", "cttimeout_new_timeout"),
        need("l3proto", "cttimeout_new_timeout"),
        need("l4proto", "cttimeout_new_timeout"),
        need("data", "cttimeout_new_timeout"),
        Step::If(
            &Cond::All(&[
                Cond::Has("name"),
                Cond::Has("l3proto"),
                Cond::Has("l4proto"),
                Cond::Has("data"),
            ]),
            &[
                Step::Lookup("the policy list, by name"),
                Step::If(
                    &Cond::Flags(nlf::EXCL),
                    // EEXIST when the name exists.
                    &[CREATE],
                    &[Step::If(
                        &Cond::Flags(nlf::REPLACE),
                        &[Step::Either {
                            absent: &[CREATE],
                            present: REPLACE,
                            words: [
                                "a policy of that name",
                                "creates it",
                                "replaces its timeouts",
                            ],
                            cite: "cttimeout_new_timeout",
                        }],
                        &[
                            Step::Table(
                                &[EBUSY],
                                "EBUSY when a policy of that name exists (no NLM_F_REPLACE)",
                            ),
                            CREATE,
                        ],
                    )],
                ),
            ],
            &[],
        ),
    ],
};

/// `cttimeout_get_timeout`.
pub static GET: Handler = Handler {
    name: "cttimeout_get_timeout",
    policy: Some(&TIMEOUT_POLICY),
    steps: &[
        Step::If(
            &Cond::Flags(nlf::DUMP),
            &[Step::Accept("dump of every policy (ctnl_timeout_dump)")],
            &[],
        ),
        need("name", "cttimeout_get_timeout"),
        Step::Lookup("the policy list, by name"),
        Step::Accept("reply with the policy (ENOENT if there is none of that name)"),
    ],
};

/// `cttimeout_del_timeout`.
pub static DELETE: Handler = Handler {
    name: "cttimeout_del_timeout",
    policy: Some(&TIMEOUT_POLICY),
    steps: &[
        Step::If(
            &Cond::Not(&Cond::Has("name")),
            &[Step::Accept(
                "flush: every policy not in use is deleted (ctnl_timeout_try_del)",
            )],
            &[],
        ),
        Step::Lookup("the policy list, by name"),
        Step::Table(
            &[EBUSY],
            "EBUSY while the policy is in use (ctnl_timeout_try_del)",
        ),
        Step::Accept("delete of the policy (ENOENT if there is none of that name)"),
    ],
};

/// `cttimeout_default_set`: changes the namespace's default timeouts of the
/// protocol (`nlattr_to_obj` with a NULL object); l3proto is not looked at.
pub static DEFAULT_SET: Handler = Handler {
    name: "cttimeout_default_set",
    policy: Some(&TIMEOUT_POLICY),
    steps: &[
        need("l4proto", "cttimeout_default_set"),
        need("data", "cttimeout_default_set"),
        Step::If(
            &Cond::All(&[Cond::Has("l4proto"), Cond::Has("data")]),
            &[Step::If(
                &Cond::U8In("l4proto", SUPPORTED),
                &[
                    PARSE_DATA,
                    Step::Accept("sets the protocol's default timeouts"),
                ],
                &[unsupported!("cttimeout_default_set")],
            )],
            &[],
        ),
    ],
};

/// `cttimeout_default_get`: the reply is a default-set message with NLM_F_MULTI
/// (and no NLMSG_DONE); l3proto is only echoed.
pub static DEFAULT_GET: Handler = Handler {
    name: "cttimeout_default_get",
    policy: Some(&TIMEOUT_POLICY),
    steps: &[
        need("l3proto", "cttimeout_default_get"),
        need("l4proto", "cttimeout_default_get"),
        Step::If(
            &Cond::All(&[Cond::Has("l3proto"), Cond::Has("l4proto")]),
            &[Step::If(
                &Cond::U8In("l4proto", SUPPORTED),
                &[Step::Accept(
                    "reply with the protocol's default timeouts (as default-set)",
                )],
                &[unsupported!("cttimeout_default_get")],
            )],
            &[],
        ),
    ],
};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    /// Each tracker's policy checks every attribute of the set the decoder shows
    /// its data with (`timeout::TIMEOUT_DATA`), by number and name, as NLA_U32.
    #[test]
    fn data_policies_match_the_decoders_sets() {
        let mut n = 0;
        for (l4, policy) in L4_TIMEOUTS {
            let set = timeout::TIMEOUT_DATA.set_for(u64::from(*l4)).unwrap();
            let nums = |s: &crate::schema::AttrSet| {
                s.attrs.iter().map(|a| (a.num, a.name)).collect::<Vec<_>>()
            };
            assert_eq!(nums(set), nums(policy.set), "l4proto {l4}");
            for a in set.attrs {
                assert_eq!(policy.check(a.num), Check::U32, "{l4} {}", a.name);
                n += 1;
            }
            assert!(SUPPORTED.contains(l4));
        }
        assert_eq!(SUPPORTED.len(), L4_TIMEOUTS.len());
        // DCCP is decoded (older kernels) but has no 6.18 tracker.
        assert!(timeout::TIMEOUT_DATA.set_for(33).is_some());
        assert!(!SUPPORTED.contains(&33));
        assert_eq!(n, 11 + 2 + 2 + 1 + 1 + 9 + 2 + 1);
    }
}
