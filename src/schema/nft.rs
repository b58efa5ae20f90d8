//! nftables (NFNL_SUBSYS_NFTABLES, 10): the parts that carry conntrack state, and
//! what every ruleset exchange starts with. Names follow the kernel's YNL spec
//! (Documentation/netlink/specs/nftables.yaml) where it has the set; the conntrack
//! object data it lacks take the constants without their prefix
//! (`NFTA_CT_EXPECT_DPORT` -> `dport`). Integers are big-endian unless said.
//!
//! Decoded: tables, generations, and stateful objects, whose `data` is a
//! sub-message chosen by the sibling `type` (counter and quota as the spec has
//! them; ct helper, ct timeout and ct expectation from net/netfilter/nft_ct.c).
//! Chains, rules, sets, elements and flowtables are named, not decoded.

use super::enums::{Enum, Flags, FAMILY, IP_PROTO};
use super::{timeout, AttrDef as A, AttrSet, Display as D, SubMessage, Type as T};

/// `NFT_OBJECT_*` (spec `object-type`).
pub static OBJECT_TYPE: Enum = Enum {
    name: "object-type",
    open: false,
    values: &[
        (0, "unspec"),
        (1, "counter"),
        (2, "quota"),
        (3, "ct-helper"),
        (4, "limit"),
        (5, "connlimit"),
        (6, "tunnel"),
        (7, "ct-timeout"),
        (8, "secmark"),
        (9, "ct-expect"),
        (10, "synproxy"),
    ],
};

/// `enum nft_table_flags` (spec `table-flags`).
pub static TABLE_FLAGS: Flags = Flags {
    name: "table-flags",
    bits: &[(1, "dormant"), (2, "owner"), (4, "persist")],
};

/// `NFT_QUOTA_F_*` (spec `quota-flags`).
pub static QUOTA_FLAGS: Flags = Flags {
    name: "quota-flags",
    bits: &[(1, "inv"), (2, "depleted")],
};

/// `enum nft_table_attributes` (spec `table-attrs`).
pub static TABLE: AttrSet = AttrSet {
    name: "table-attrs",
    attrs: &[
        A::new(1, "name", "NFTA_TABLE_NAME", T::String),
        A::new(2, "flags", "NFTA_TABLE_FLAGS", T::U32).display(D::Flags(&TABLE_FLAGS)),
        A::new(3, "use", "NFTA_TABLE_USE", T::U32),
        A::new(4, "handle", "NFTA_TABLE_HANDLE", T::U64),
        A::new(5, "pad", "NFTA_TABLE_PAD", T::Pad),
        A::new(6, "userdata", "NFTA_TABLE_USERDATA", T::Binary),
        A::new(7, "owner", "NFTA_TABLE_OWNER", T::U32),
    ],
};

/// `enum nft_gen_attributes` (spec `gen-attrs`).
pub static GEN: AttrSet = AttrSet {
    name: "gen-attrs",
    attrs: &[
        A::new(1, "id", "NFTA_GEN_ID", T::U32),
        A::new(2, "proc-pid", "NFTA_GEN_PROC_PID", T::U32),
        A::new(3, "proc-name", "NFTA_GEN_PROC_NAME", T::String),
    ],
};

/// `enum nft_object_attributes` (spec `obj-attrs`).
pub static OBJ: AttrSet = AttrSet {
    name: "obj-attrs",
    attrs: &[
        A::new(1, "table", "NFTA_OBJ_TABLE", T::String),
        A::new(2, "name", "NFTA_OBJ_NAME", T::String),
        A::new(3, "type", "NFTA_OBJ_TYPE", T::U32).display(D::Enum(&OBJECT_TYPE)),
        A::new(4, "data", "NFTA_OBJ_DATA", T::Sub(&OBJ_DATA)),
        A::new(5, "use", "NFTA_OBJ_USE", T::U32),
        A::new(6, "handle", "NFTA_OBJ_HANDLE", T::U64),
        A::new(7, "pad", "NFTA_OBJ_PAD", T::Pad),
        A::new(8, "userdata", "NFTA_OBJ_USERDATA", T::Binary),
    ],
};

/// An object's data by its type (spec sub-message `obj-data`, plus the conntrack
/// objects the spec does not list).
pub static OBJ_DATA: SubMessage = SubMessage {
    name: "obj-data",
    selector: "type",
    cases: &[
        (1, &COUNTER),
        (2, &QUOTA),
        (3, &CT_HELPER),
        (7, &CT_TIMEOUT),
        (9, &CT_EXPECT),
    ],
    default: None,
};

/// `enum nft_counter_attributes` (spec `counter-attrs`).
pub static COUNTER: AttrSet = AttrSet {
    name: "counter-attrs",
    attrs: &[
        A::new(1, "bytes", "NFTA_COUNTER_BYTES", T::U64),
        A::new(2, "packets", "NFTA_COUNTER_PACKETS", T::U64),
        A::new(3, "pad", "NFTA_COUNTER_PAD", T::Pad),
    ],
};

/// `enum nft_quota_attributes` (spec `quota-attrs`).
pub static QUOTA: AttrSet = AttrSet {
    name: "quota-attrs",
    attrs: &[
        A::new(1, "bytes", "NFTA_QUOTA_BYTES", T::U64),
        A::new(2, "flags", "NFTA_QUOTA_FLAGS", T::U32).display(D::Flags(&QUOTA_FLAGS)),
        A::new(3, "pad", "NFTA_QUOTA_PAD", T::Pad),
        A::new(4, "consumed", "NFTA_QUOTA_CONSUMED", T::U64),
    ],
};

/// `enum nft_ct_helper_attributes` (`nft_ct_helper_policy`).
pub static CT_HELPER: AttrSet = AttrSet {
    name: "ct-helper-attrs",
    attrs: &[
        // NLA_STRING, .len = NF_CT_HELPER_NAME_LEN - 1
        A::new(1, "name", "NFTA_CT_HELPER_NAME", T::String).len(0, 16),
        A::new(2, "l3proto", "NFTA_CT_HELPER_L3PROTO", T::U16).display(D::Enum(&FAMILY)),
        A::new(3, "l4proto", "NFTA_CT_HELPER_L4PROTO", T::U8).display(D::Enum(&IP_PROTO)),
    ],
};

/// `enum nft_ct_timeout_timeout_attributes` (`nft_ct_timeout_policy`): `data` is
/// cttimeout's per-protocol set, chosen by `l4proto`.
pub static CT_TIMEOUT: AttrSet = AttrSet {
    name: "ct-timeout-attrs",
    attrs: &[
        A::new(1, "l3proto", "NFTA_CT_TIMEOUT_L3PROTO", T::U16).display(D::Enum(&FAMILY)),
        A::new(2, "l4proto", "NFTA_CT_TIMEOUT_L4PROTO", T::U8).display(D::Enum(&IP_PROTO)),
        A::new(
            3,
            "data",
            "NFTA_CT_TIMEOUT_DATA",
            T::Sub(&timeout::TIMEOUT_DATA),
        ),
    ],
};

/// `enum nft_ct_expectation_attributes` (`nft_ct_expect_policy`). One nest, two
/// byte orders: `timeout` is read and written in host order (`nla_get_u32`,
/// `nla_put_u32` in nft_ct_expect_obj_init/_dump), the rest big-endian.
pub static CT_EXPECT: AttrSet = AttrSet {
    name: "ct-expect-attrs",
    attrs: &[
        A::new(1, "l3proto", "NFTA_CT_EXPECT_L3PROTO", T::U16).display(D::Enum(&FAMILY)),
        A::new(2, "l4proto", "NFTA_CT_EXPECT_L4PROTO", T::U8).display(D::Enum(&IP_PROTO)),
        A::new(3, "dport", "NFTA_CT_EXPECT_DPORT", T::U16),
        A::new(4, "timeout", "NFTA_CT_EXPECT_TIMEOUT", T::U32).host_order(),
        A::new(5, "size", "NFTA_CT_EXPECT_SIZE", T::U8),
    ],
};

/// `enum nft_batch_attributes` (spec `batch-attrs`): a batch message's genid.
pub static BATCH: AttrSet = AttrSet {
    name: "batch-attrs",
    attrs: &[A::new(1, "genid", "NFTA_BATCH_GENID", T::U32)],
};
