//! cthelper (NFNL_SUBSYS_CTHELPER, 9): userspace conntrack helpers, as
//! include/uapi/linux/netfilter/nfnetlink_cthelper.h and
//! net/netfilter/nfnetlink_cthelper.c define them (`nfnl_cthelper_policy`,
//! `nfnl_cthelper_fill_info`). No YNL spec: names are the constants without their
//! set prefix (`NFCTH_PRIV_DATA_LEN` -> `priv-data-len`). Integers are big-endian
//! (`ntohl(nla_get_be32(...))`). A helper's private data travels in ctnetlink's
//! CTA_HELP_INFO (`help-info`, `nfnl_cthelper_to_nlattr`).

use super::enums::{Enum, FAMILY, IP_PROTO};
use super::{AttrDef as A, AttrSet, Display as D, Type as T};

/// `NFCT_HELPER_STATUS_*`.
pub static HELPER_STATUS: Enum = Enum {
    name: "nfct-helper-status",
    open: false,
    values: &[(0, "disabled"), (1, "enabled")],
};

/// `enum nfnl_cthelper_type`.
pub static HELPER: AttrSet = AttrSet {
    name: "cthelper",
    attrs: &[
        // NLA_NUL_STRING, .len = NF_CT_HELPER_NAME_LEN - 1
        A::new(1, "name", "NFCTH_NAME", T::NulString).len(0, 16),
        A::new(2, "tuple", "NFCTH_TUPLE", T::Nest(&HELPER_TUPLE)),
        A::new(3, "queue-num", "NFCTH_QUEUE_NUM", T::U32),
        A::new(4, "policy", "NFCTH_POLICY", T::Nest(&POLICY_SET)),
        A::new(5, "priv-data-len", "NFCTH_PRIV_DATA_LEN", T::U32),
        A::new(6, "status", "NFCTH_STATUS", T::U32).display(D::Enum(&HELPER_STATUS)),
    ],
};

/// `enum nfnl_cthelper_tuple_type` (`nfnl_cthelper_tuple_pol`).
pub static HELPER_TUPLE: AttrSet = AttrSet {
    name: "cthelper-tuple",
    attrs: &[
        A::new(1, "l3protonum", "NFCTH_TUPLE_L3PROTONUM", T::U16).display(D::Enum(&FAMILY)),
        A::new(2, "l4protonum", "NFCTH_TUPLE_L4PROTONUM", T::U8).display(D::Enum(&IP_PROTO)),
    ],
};

/// `enum nfnl_cthelper_policy_type`: the number of expectation classes, then one
/// policy nest per class (NFCTH_POLICY_SET1 = NFCTH_POLICY_SET ..., at most
/// NF_CT_MAX_EXPECT_CLASSES = 4).
pub static POLICY_SET: AttrSet = AttrSet {
    name: "cthelper-policy-set",
    attrs: &[
        A::new(1, "set-num", "NFCTH_POLICY_SET_NUM", T::U32),
        A::new(2, "set1", "NFCTH_POLICY_SET1", T::Nest(&POLICY)),
        A::new(3, "set2", "NFCTH_POLICY_SET2", T::Nest(&POLICY)),
        A::new(4, "set3", "NFCTH_POLICY_SET3", T::Nest(&POLICY)),
        A::new(5, "set4", "NFCTH_POLICY_SET4", T::Nest(&POLICY)),
    ],
};

/// `enum nfnl_cthelper_pol_type` (`nfnl_cthelper_expect_pol`).
pub static POLICY: AttrSet = AttrSet {
    name: "cthelper-policy",
    attrs: &[
        A::new(1, "name", "NFCTH_POLICY_NAME", T::NulString).len(0, 16),
        A::new(2, "expect-max", "NFCTH_POLICY_EXPECT_MAX", T::U32),
        A::new(3, "expect-timeout", "NFCTH_POLICY_EXPECT_TIMEOUT", T::U32),
    ],
};
