//! Attribute sets of the netlink core: extended ACK (`NLMSGERR_ATTR_*`) and the
//! policy dump it may carry (`NL_POLICY_TYPE_ATTR_*`), both in host byte order.

use super::{AttrDef as A, AttrSet, Display as D, Type as T};

/// `NLMSGERR_ATTR_*`: extended-ACK TLVs after an NLMSG_ERROR / NLMSG_DONE payload.
pub static EXTACK: AttrSet = AttrSet {
    name: "extack",
    attrs: &[
        A::new(1, "msg", "NLMSGERR_ATTR_MSG", T::NulString).display(D::Text),
        A::new(2, "offs", "NLMSGERR_ATTR_OFFS", T::U32).host_order(),
        A::new(3, "cookie", "NLMSGERR_ATTR_COOKIE", T::Binary).display(D::Hex),
        A::new(4, "policy", "NLMSGERR_ATTR_POLICY", T::Nest(&POLICY)),
        A::new(5, "miss-type", "NLMSGERR_ATTR_MISS_TYPE", T::U32).host_order(),
        A::new(6, "miss-nest", "NLMSGERR_ATTR_MISS_NEST", T::U32).host_order(),
    ],
};

/// `NL_POLICY_TYPE_ATTR_*`: the policy of the attribute an extended ACK points at.
pub static POLICY: AttrSet = AttrSet {
    name: "policy",
    attrs: &[
        A::new(1, "type", "NL_POLICY_TYPE_ATTR_TYPE", T::U32)
            .host_order()
            .display(D::Enum(&POLICY_TYPE)),
        A::new(2, "min-value-s", "NL_POLICY_TYPE_ATTR_MIN_VALUE_S", T::U64).host_order(),
        A::new(3, "max-value-s", "NL_POLICY_TYPE_ATTR_MAX_VALUE_S", T::U64).host_order(),
        A::new(4, "min-value-u", "NL_POLICY_TYPE_ATTR_MIN_VALUE_U", T::U64).host_order(),
        A::new(5, "max-value-u", "NL_POLICY_TYPE_ATTR_MAX_VALUE_U", T::U64).host_order(),
        A::new(6, "min-length", "NL_POLICY_TYPE_ATTR_MIN_LENGTH", T::U32).host_order(),
        A::new(7, "max-length", "NL_POLICY_TYPE_ATTR_MAX_LENGTH", T::U32).host_order(),
        A::new(8, "policy-idx", "NL_POLICY_TYPE_ATTR_POLICY_IDX", T::U32).host_order(),
        A::new(
            9,
            "policy-maxtype",
            "NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE",
            T::U32,
        )
        .host_order(),
        A::new(
            10,
            "bitfield32-mask",
            "NL_POLICY_TYPE_ATTR_BITFIELD32_MASK",
            T::U32,
        )
        .host_order()
        .display(D::Hex),
        A::new(11, "pad", "NL_POLICY_TYPE_ATTR_PAD", T::Pad),
        A::new(12, "mask", "NL_POLICY_TYPE_ATTR_MASK", T::U64)
            .host_order()
            .display(D::Hex),
    ],
};

/// `enum netlink_attribute_type` (NL_ATTR_TYPE_*), the `type` of a policy.
pub static POLICY_TYPE: super::enums::Enum = super::enums::Enum {
    name: "netlink-attribute-type",
    open: false,
    values: &[
        (0, "invalid"),
        (1, "flag"),
        (2, "u8"),
        (3, "u16"),
        (4, "u32"),
        (5, "u64"),
        (6, "s8"),
        (7, "s16"),
        (8, "s32"),
        (9, "s64"),
        (10, "binary"),
        (11, "string"),
        (12, "nul-string"),
        (13, "nested"),
        (14, "nested-array"),
        (15, "bitfield32"),
        (16, "sint"),
        (17, "uint"),
    ],
};
