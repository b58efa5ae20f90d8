//! The attribute schema as data.
//!
//! Every attribute set the decoder knows is one static [`AttrSet`]: a table of
//! [`AttrDef`] entries, each with its number, the kernel's name (the netlink spec's
//! kebab-case), its wire type, byte order, how to display it, and the kernel's length
//! limits. The decoder (`crate::decode`) is one engine over these tables; adding a set
//! is adding data.
//!
//! Where the kernel's conntrack spec (Documentation/netlink/specs/conntrack.yaml) and
//! the kernel disagree, the tables follow the kernel (what real traffic carries) and
//! the entry's `note` says how the spec differs.

pub mod compiled;
pub mod ct;
pub mod enums;
pub mod helper;
pub mod kernel;
pub mod messages;
pub mod netlink;
pub mod nft;
pub mod paths;
pub mod queue;
pub mod timeout;

/// Wire type of an attribute value.
#[derive(Debug, Clone, Copy)]
pub enum Type {
    /// 1-byte unsigned integer.
    U8,
    /// 2-byte unsigned integer.
    U16,
    /// 4-byte unsigned integer.
    U32,
    /// 8-byte unsigned integer.
    U64,
    /// Opaque bytes (with optional min/max length).
    Binary,
    /// Text, NUL-terminated or not (NLA_STRING).
    String,
    /// Text that must end in NUL (NLA_NUL_STRING).
    NulString,
    /// A nest of attributes of the given set.
    Nest(&'static AttrSet),
    /// A nest whose set is chosen by the value of a sibling attribute (YNL's
    /// sub-message: cttimeout's data by l4proto, nftables' object data by type).
    Sub(&'static SubMessage),
    /// A fixed C structure (`struct nfqnl_msg_packet_hdr`, ...), its fields named.
    Struct(&'static StructDef),
    /// Alignment padding attribute (its value is ignored).
    Pad,
}

/// A nest whose attribute set depends on a sibling's value.
#[derive(Debug)]
pub struct SubMessage {
    /// Name (the YNL sub-message name where there is one).
    pub name: &'static str,
    /// Kernel name of the sibling attribute (in the same nest) whose value selects.
    pub selector: &'static str,
    /// Value of the selector -> set.
    pub cases: &'static [(u64, &'static AttrSet)],
    /// The set for values without a case (the kernel's generic handling), if any.
    pub default: Option<&'static AttrSet>,
}

impl SubMessage {
    /// The set for selector value `v`.
    pub fn set_for(&self, v: u64) -> Option<&'static AttrSet> {
        let cases: &'static [(u64, &'static AttrSet)] = self.cases;
        cases
            .iter()
            .find(|(k, _)| *k == v)
            .map(|(_, s)| *s)
            .or(self.default)
    }
}

/// A C structure carried as one attribute's value.
#[derive(Debug)]
pub struct StructDef {
    /// The C name without `struct` (`nfqnl_msg_packet_hdr`).
    pub name: &'static str,
    /// sizeof: the kernel's minimum value length (`.len = sizeof(...)`).
    pub size: usize,
    /// Its members in order (padding members included, marked).
    pub fields: &'static [Field],
}

/// One member of a [`StructDef`].
#[derive(Debug)]
pub struct Field {
    /// Name, as the C member with `_` as `-`.
    pub name: &'static str,
    /// Byte offset in the structure.
    pub offset: usize,
    /// Size in bytes (1, 2, 4, 8: an integer, unless `bytes`; otherwise bytes shown
    /// as hex).
    pub size: usize,
    /// Byte order of an integer member.
    pub order: Order,
    /// How it is shown.
    pub display: Display,
    /// A padding member (not shown).
    pub pad: bool,
    /// A byte array (`u8 hw_addr[8]`), shown as hex bytes whatever its size.
    pub bytes: bool,
}

impl Field {
    /// A big-endian integer member shown in decimal.
    pub const fn new(name: &'static str, offset: usize, size: usize) -> Field {
        Field {
            name,
            offset,
            size,
            order: Order::Big,
            display: Display::Dec,
            pad: false,
            bytes: false,
        }
    }

    /// Sets the display.
    pub const fn display(mut self, display: Display) -> Field {
        self.display = display;
        self
    }

    /// Sets host byte order.
    pub const fn host_order(mut self) -> Field {
        self.order = Order::Host;
        self
    }

    /// Marks a byte array.
    pub const fn bytes(mut self) -> Field {
        self.bytes = true;
        self
    }

    /// Marks a padding member.
    pub const fn pad(mut self) -> Field {
        self.pad = true;
        self
    }
}

impl Type {
    /// Exact size of a fixed-size integer type.
    pub fn fixed_size(self) -> Option<usize> {
        match self {
            Type::U8 => Some(1),
            Type::U16 => Some(2),
            Type::U32 => Some(4),
            Type::U64 => Some(8),
            _ => None,
        }
    }

    /// Whether values are nests (a sub-message is one).
    pub fn is_nest(self) -> bool {
        matches!(self, Type::Nest(_) | Type::Sub(_))
    }

    /// Lower-case name of the type, as in the netlink specs.
    pub fn name(self) -> &'static str {
        match self {
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::Binary => "binary",
            Type::String => "string",
            Type::NulString => "nul-string",
            Type::Nest(_) => "nest",
            Type::Sub(_) => "sub-message",
            Type::Struct(_) => "struct",
            Type::Pad => "pad",
        }
    }
}

/// Byte order of an integer value on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Network byte order (all ctnetlink integers).
    Big,
    /// The capturing host's order (netlink headers, filter flags, extack offsets).
    Host,
}

/// How a value is shown.
#[derive(Debug, Clone, Copy)]
pub enum Display {
    /// Decimal number.
    Dec,
    /// Hexadecimal number (`0x...`) or hex bytes.
    Hex,
    /// IPv4 address (4 bytes, network order).
    Ipv4,
    /// IPv6 address (16 bytes).
    Ipv6,
    /// Named value of an enum; unknown values keep their number.
    Enum(&'static enums::Enum),
    /// List of flag names; unknown bits kept as numbers.
    Flags(&'static enums::Flags),
    /// `struct nf_ct_tcp_flags { u8 flags; u8 mask; }`, both as tcp flag names.
    TcpFlags,
    /// Nanoseconds since the Unix epoch, also shown as UTC time.
    TimestampNs,
    /// Connection labels bitmap (host-order 32-bit words), shown as bit numbers.
    Labels,
    /// Text.
    Text,
}

/// One attribute of a set.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    /// Attribute number (low 14 bits of nla_type).
    pub num: u16,
    /// Kernel name, kebab-case as in the netlink spec.
    pub name: &'static str,
    /// The kernel's constant, e.g. `CTA_TUPLE_ORIG` (for docs and `--explain`).
    pub cname: &'static str,
    /// Wire type.
    pub ty: Type,
    /// Byte order of integer values.
    pub order: Order,
    /// How to display the value.
    pub display: Display,
    /// Kernel's minimum value length (nla_policy `.len` / NLA_POLICY_MIN_LEN); 0: none
    /// beyond the type's own size.
    pub min_len: u16,
    /// Kernel's maximum value length (NLA_POLICY_MAX_LEN, or string length + NUL); 0: none.
    pub max_len: u16,
    /// Rejected by the kernel in requests from userspace (NLA_REJECT).
    pub reject_in_request: bool,
    /// Where the kernel's spec says something else, what it says.
    pub spec_note: Option<&'static str>,
}

impl AttrDef {
    /// An entry with the defaults used by most ctnetlink attributes: big-endian,
    /// decimal, no extra limits.
    pub const fn new(num: u16, name: &'static str, cname: &'static str, ty: Type) -> AttrDef {
        AttrDef {
            num,
            name,
            cname,
            ty,
            order: Order::Big,
            display: Display::Dec,
            min_len: 0,
            max_len: 0,
            reject_in_request: false,
            spec_note: None,
        }
    }

    /// Sets the display.
    pub const fn display(mut self, display: Display) -> AttrDef {
        self.display = display;
        self
    }

    /// Sets host byte order.
    pub const fn host_order(mut self) -> AttrDef {
        self.order = Order::Host;
        self
    }

    /// Sets the kernel's length limits.
    pub const fn len(mut self, min: u16, max: u16) -> AttrDef {
        self.min_len = min;
        self.max_len = max;
        self
    }

    /// Marks the attribute as rejected in requests from userspace.
    pub const fn reject_in_request(mut self) -> AttrDef {
        self.reject_in_request = true;
        self
    }

    /// Records how the spec differs from the kernel.
    pub const fn spec_note(mut self, note: &'static str) -> AttrDef {
        self.spec_note = Some(note);
        self
    }

    /// The nested set, for nests.
    pub fn nested(&self) -> Option<&'static AttrSet> {
        match self.ty {
            Type::Nest(set) => Some(set),
            _ => None,
        }
    }
}

/// A named table of attributes.
#[derive(Debug)]
pub struct AttrSet {
    /// Set name (e.g. `conntrack`, `tuple-ip`).
    pub name: &'static str,
    /// Entries, sorted by number, numbers unique.
    pub attrs: &'static [AttrDef],
}

impl AttrSet {
    /// The entry for attribute number `num`, if the set defines it.
    #[inline]
    pub fn get(&self, num: u16) -> Option<&'static AttrDef> {
        // Tables are dense from 1 in almost every set: try the direct index first.
        let attrs: &'static [AttrDef] = self.attrs;
        // (num 0 wraps to usize::MAX: no entry there.)
        if let Some(def) = attrs.get(usize::from(num).wrapping_sub(1)) {
            if def.num == num {
                return Some(def);
            }
        }
        attrs.iter().find(|a| a.num == num)
    }

    /// The entry with kernel name `name`.
    pub fn by_name(&self, name: &str) -> Option<&'static AttrDef> {
        let attrs: &'static [AttrDef] = self.attrs;
        attrs.iter().find(|a| a.name == name)
    }
}

/// Deepest [`AttrPath`].
pub const MAX_PATH: usize = 6;

/// A path of kernel attribute names below a set (`protoinfo.protoinfo-tcp.tcp-state`
/// below `conntrack`), resolved to attribute numbers once, on first use. Consumers
/// of the decoded tree name attributes by these paths (see [`paths`]); only the
/// schema knows their numbers.
#[derive(Debug)]
pub struct AttrPath {
    root: &'static AttrSet,
    names: &'static str,
    nums: std::sync::OnceLock<([u16; MAX_PATH], usize)>,
}

impl AttrPath {
    /// The path `names` (dot-separated kernel names) below `root`.
    pub const fn new(root: &'static AttrSet, names: &'static str) -> AttrPath {
        AttrPath {
            root,
            names,
            nums: std::sync::OnceLock::new(),
        }
    }

    /// The set the path starts in.
    pub fn root(&self) -> &'static AttrSet {
        self.root
    }

    /// The dotted names.
    pub fn names(&self) -> &'static str {
        self.names
    }

    /// The attribute numbers (empty when a name does not resolve: a test resolves
    /// every path of [`paths`]).
    pub fn nums(&self) -> &[u16] {
        let (nums, len) = self
            .nums
            .get_or_init(|| resolve(self.root, self.names).unwrap_or(([0; MAX_PATH], 0)));
        nums.get(..*len).unwrap_or(&[])
    }
}

/// Resolves dotted kernel names below `root` to attribute numbers.
pub fn resolve(root: &'static AttrSet, names: &str) -> Option<([u16; MAX_PATH], usize)> {
    let mut out = [0u16; MAX_PATH];
    let mut set = Some(root);
    let mut n = 0;
    for name in names.split('.') {
        let def = set?.by_name(name)?;
        *out.get_mut(n)? = def.num;
        n += 1;
        set = def.nested();
    }
    Some((out, n))
}

/// Every attribute set of the conntrack schema, in the order of the
/// documentation. Fuzz targets and the per-set snapshot tests are generated from
/// this list, so a new set cannot be forgotten.
pub static CT_SETS: &[&AttrSet] = SETS.split_at(CT_SET_COUNT).0;

/// How many sets at the head of [`SETS`] are the conntrack schema's.
const CT_SET_COUNT: usize = 22;

/// Every set the decoder knows outside the netlink core: the conntrack schema
/// (the first ones, which are [`CT_SETS`]), then cttimeout, cthelper, NFQUEUE / NFLOG and nftables (each has its fuzz target,
/// seeds and snapshot tests).
pub static SETS: &[&AttrSet] = &[
    &ct::CONNTRACK,
    &ct::TUPLE,
    &ct::TUPLE_IP,
    &ct::TUPLE_PROTO,
    &ct::PROTOINFO,
    &ct::PROTOINFO_TCP,
    &ct::PROTOINFO_DCCP,
    &ct::PROTOINFO_SCTP,
    &ct::COUNTER,
    &ct::HELP,
    &ct::NAT,
    &ct::NAT_PROTO,
    &ct::SEQADJ,
    &ct::SECCTX,
    &ct::SYNPROXY,
    &ct::TSTAMP,
    &ct::FILTER,
    &ct::CONNTRACK_STATS,
    &ct::STATS_GLOBAL,
    &ct::EXPECT,
    &ct::EXPECT_NAT,
    &ct::EXPECT_STATS,
    &timeout::TIMEOUT,
    &timeout::GENERIC,
    &timeout::TCP,
    &timeout::UDP,
    &timeout::UDPLITE,
    &timeout::ICMP,
    &timeout::ICMPV6,
    &timeout::DCCP,
    &timeout::SCTP,
    &timeout::GRE,
    &helper::HELPER,
    &helper::HELPER_TUPLE,
    &helper::POLICY_SET,
    &helper::POLICY,
    &queue::QUEUE,
    &queue::VLAN,
    &queue::QUEUE_CONFIG,
    &queue::LOG,
    &queue::LOG_CONFIG,
    &nft::TABLE,
    &nft::GEN,
    &nft::OBJ,
    &nft::COUNTER,
    &nft::QUOTA,
    &nft::CT_HELPER,
    &nft::CT_TIMEOUT,
    &nft::CT_EXPECT,
    &nft::BATCH,
];

/// Looks a set up by name (every set of [`SETS`], and the netlink core's).
pub fn set_by_name(name: &str) -> Option<&'static AttrSet> {
    SETS.iter()
        .copied()
        .chain([&netlink::EXTACK, &netlink::POLICY])
        .find(|s| s.name == name)
}

/// The set of attributes walked without a schema (nests of unknown attributes).
pub static UNKNOWN_SET: AttrSet = AttrSet {
    name: "unknown",
    attrs: &[],
};

/// A padding attribute the kernel writes into a set it does not belong to:
/// `nla_put_64bit` adds a zero-length attribute numbered by the *value's* set's pad
/// type in front of a 64-bit value when the value would be misaligned (only on
/// architectures without efficient unaligned access). In that set the number means
/// something else.
#[derive(Debug)]
pub struct ForeignPad {
    /// The set the pad lands in.
    pub set: &'static AttrSet,
    /// Its number there.
    pub num: u16,
    /// The attribute it pads: the one that follows it.
    pub before: u16,
    /// How it is shown.
    pub def: &'static AttrDef,
    /// Where the kernel writes it.
    pub cite: &'static str,
}

/// Every foreign pad of the schema.
pub static FOREIGN_PADS: &[ForeignPad] = &[ForeignPad {
    // ctnetlink_dump_timestamp_event: nla_put_be64(skb, CTA_TIMESTAMP_EVENT, ...,
    // CTA_TIMESTAMP_PAD) at the top level, where 3 is CTA_STATUS.
    set: &ct::CONNTRACK,
    num: 3,
    before: 27,
    def: &ct::TIMESTAMP_EVENT_PAD,
    cite: "ctnetlink_dump_timestamp_event",
}];

impl ForeignPad {
    /// The foreign pad of `set` numbered `num` followed by attribute `next`.
    pub fn find(set: &AttrSet, num: u16, next: Option<u16>) -> Option<&'static ForeignPad> {
        let next = next?;
        FOREIGN_PADS
            .iter()
            .find(|p| std::ptr::eq(p.set, set) && p.num == num && p.before == next)
    }
}

#[cfg(test)]
mod set_list_tests {
    use super::*;

    /// CT_SETS is the head of SETS up to the last conntrack set.
    #[test]
    fn ct_sets_are_the_conntrack_head_of_sets() {
        assert!(CT_SETS
            .last()
            .is_some_and(|s| std::ptr::eq(*s, &ct::EXPECT_STATS)));
        assert!(SETS
            .get(CT_SET_COUNT)
            .is_some_and(|s| std::ptr::eq(*s, &timeout::TIMEOUT)));
    }
}
