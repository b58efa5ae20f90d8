//! The schema compiled for the hot path (issue 14).
//!
//! The tables of this module's parent stay the one source of truth; this is a form
//! derived from them on first use: every attribute set reachable from the message
//! table becomes a dense array indexed by attribute number, and every entry's checks
//! (the nla_type flag bits a clean attribute carries, the value lengths that raise
//! no finding, which value checks apply) are precomputed into a few integers and
//! bits. [`Compiled::clean`] walks a message's attributes with it and answers one
//! question: could the full walk (`crate::decode`) report anything about them? If
//! not, a consumer that reads no attribute (`-f none`) needs nothing more; if it
//! could, the full walk runs and reports it. So `clean` must be conservative: it
//! may call a clean message dirty (the full walk then finds nothing, at the cost of
//! a second walk), never the reverse. `tests/it/fast_path.rs` holds the two paths to
//! identical findings on every capture and fuzz seed.

use super::enums::Enum;
use super::{AttrDef, AttrSet, Display, Order, Type, FOREIGN_PADS};
use crate::wire::{align4, read_uint, Endian, NlAttrHdr, NLA_HDRLEN};
use std::sync::OnceLock;

/// nla_type's flag bits: NLA_F_NESTED | NLA_F_NET_BYTEORDER.
const FLAG_BITS: u16 = 0xc000;
/// NLA_F_NESTED.
const NESTED: u16 = 0x8000;

/// Value checks beyond the length bounds (bits of [`Entry::checks`]).
mod check {
    /// NLA_REJECT in requests: dirty when sent to the kernel.
    pub const REJECT_IN_REQUEST: u8 = 1;
    /// A closed enum: the value must be one of its names.
    pub const ENUM: u8 = 2;
    /// Flags: no bit outside the known mask.
    pub const FLAGS: u8 = 4;
    /// An IPv4 address: the message's family must not be inet6.
    pub const IPV4: u8 = 8;
    /// An IPv6 address: the message's family must not be inet.
    pub const IPV6: u8 = 16;
    /// Labels: a multiple of 4 bytes.
    pub const LABELS: u8 = 32;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A nest of the compiled set `child`.
    Nest,
    /// An unsigned integer of `size` bytes.
    Uint,
    /// Opaque bytes, a C structure: the length bounds, family, labels.
    Bytes,
    /// A padding attribute (its value is ignored).
    Pad,
    /// A string (NLA_STRING / NLA_NUL_STRING).
    Text,
    /// Needs the full walk whenever present (a sub-message: its set depends on a
    /// sibling).
    Full,
    /// A number the set does not define.
    Absent,
}

/// One attribute of a compiled set.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: Kind,
    /// nla_type & (NLA_F_NESTED | NLA_F_NET_BYTEORDER) of a clean attribute.
    flags: u16,
    /// The whole attribute header (`nla_type << 16 | nla_len`) of a clean
    /// attribute when there is only one (fixed-size values: integers, addresses);
    /// 0 when the length or flags vary.
    exact: u32,
    /// Value lengths without a finding: `lo..=hi`.
    lo: u16,
    hi: u16,
    /// [`check`] bits.
    checks: u8,
    /// Integer size in bytes.
    size: u8,
    /// Integer byte order is big-endian (else the capture's host order).
    big: bool,
    /// Nests: index of the child set in [`Compiled::sets`].
    child: u32,
    /// Flags: the known mask; closed enums: a bitmap of the known values below 64.
    mask: u64,
    /// The entry itself (closed enums with values from 64, strings).
    def: &'static AttrDef,
}

/// One attribute set, dense by number.
#[derive(Debug)]
struct Set {
    set: &'static AttrSet,
    entries: Box<[Entry]>,
    /// Numbers that a zero-length foreign pad can have in this set (bit per number
    /// below 64).
    pads: u64,
}

/// Every reachable set, compiled.
#[derive(Debug)]
pub struct Compiled {
    sets: Vec<Set>,
    /// (address of the source set, index), sorted by address.
    index: Vec<(usize, u32)>,
}

/// What [`Compiled::clean`] needs of the message around the attributes.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The record's bytes.
    pub data: &'a [u8],
    /// Byte order of attribute headers and host-order values.
    pub order: Endian,
    /// The nfgenmsg family addresses must match (2 or 10); 0: not checked.
    pub family: u8,
    /// The message goes to the kernel (NLA_REJECT attributes are refused).
    pub to_kernel: bool,
    /// The deepest nest level walked (the decoder's `MAX_DEPTH`).
    pub max_depth: usize,
}

/// A clean attribute's value, as the full walk would decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// A nest: its children follow.
    Nest,
    /// An integer (0 for visitors that do not read values).
    Uint(u64),
    /// Bytes (binary, a C structure).
    Bytes,
    /// A string.
    Text,
    /// A padding attribute.
    Pad,
}

/// One attribute [`Compiled::walk`] found clean.
#[derive(Debug, Clone, Copy)]
pub struct Clean {
    /// Its entry.
    pub def: &'static AttrDef,
    /// The set it is in.
    pub set: &'static AttrSet,
    /// nla_type with its flag bits.
    pub ty: u16,
    /// nla_len.
    pub len: u16,
    /// Offset of its header in [`Scope::data`].
    pub offset: usize,
    /// Its nesting depth (0: the message's attributes).
    pub depth: usize,
    /// Its value.
    pub value: Leaf,
}

/// What [`Compiled::walk`] tells about the attributes it walks.
pub trait Visitor {
    /// Whether it reads integer values (else they are read only when a check
    /// needs them).
    const VALUES: bool;
    /// A clean attribute (a nest: before its children).
    fn attr(&mut self, a: &Clean);
    /// The children of the last nest not yet ended are done.
    fn end_nest(&mut self);
}

/// A visitor that does nothing: [`Compiled::clean`].
struct NoVisit;

impl Visitor for NoVisit {
    const VALUES: bool = false;
    #[inline]
    fn attr(&mut self, _: &Clean) {}
    #[inline]
    fn end_nest(&mut self) {}
}

/// The compiled schema (built on first use from the message table).
pub fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut c = Compiled {
            sets: Vec::new(),
            index: Vec::new(),
        };
        for ss in super::messages::SUBSYSTEMS {
            for m in ss.messages {
                for set in [m.request, m.reply].into_iter().flatten() {
                    c.add(set);
                }
            }
        }
        for q in super::messages::QUIRKS {
            c.add(q.set);
        }
        c.index.sort_unstable();
        c
    })
}

fn addr(set: &AttrSet) -> usize {
    std::ptr::from_ref(set) as usize
}

impl Compiled {
    /// The index of `set`, compiling it (and every set below it) if new.
    fn add(&mut self, set: &'static AttrSet) -> u32 {
        if let Some(&(_, i)) = self.index.iter().find(|(a, _)| *a == addr(set)) {
            return i;
        }
        let i = self.sets.len() as u32;
        let max = set.attrs.iter().map(|a| a.num).max().unwrap_or(0);
        self.index.push((addr(set), i));
        self.sets.push(Set {
            set,
            entries: vec![ABSENT; usize::from(max) + 1].into_boxed_slice(),
            pads: FOREIGN_PADS
                .iter()
                .filter(|p| std::ptr::eq(p.set, set) && p.num < 64)
                .fold(0, |m, p| m | 1u64 << p.num),
        });
        for d in set.attrs {
            let child = match d.ty {
                Type::Nest(s) => self.add(s),
                _ => u32::MAX,
            };
            let e = entry(d, child);
            if let Some(slot) = self
                .sets
                .get_mut(i as usize)
                .and_then(|s| s.entries.get_mut(usize::from(d.num)))
            {
                *slot = e;
            }
        }
        i
    }

    /// The compiled index of `set`, if it is reachable from the message table.
    pub fn find(&self, set: &AttrSet) -> Option<u32> {
        let a = addr(set);
        self.index
            .binary_search_by_key(&a, |&(k, _)| k)
            .ok()
            .and_then(|p| self.index.get(p))
            .map(|&(_, i)| i)
    }

    /// Whether the attributes in `start..end`, of compiled set `set` at nesting
    /// `depth`, are such that the full walk reports nothing about them (see the
    /// module documentation: `false` may be wrong, `true` may not).
    pub fn clean(&self, s: &Scope<'_>, set: u32, start: usize, end: usize, depth: usize) -> bool {
        self.walk(s, set, start, end, depth, &mut NoVisit)
    }

    /// Walks the attributes in `start..end` of compiled set `set` at nesting
    /// `depth`, telling `v` about each in order (pre-order: a nest before its
    /// children, [`Visitor::end_nest`] after them), while every one is clean.
    /// Returns whether all were; after `false` the visitor has seen a prefix.
    pub fn walk<V: Visitor>(
        &self,
        s: &Scope<'_>,
        set: u32,
        start: usize,
        end: usize,
        depth: usize,
        v: &mut V,
    ) -> bool {
        // The checks that fail whatever the value: an address of the other family,
        // an attribute the kernel rejects in requests.
        let bad = match s.family {
            2 => check::IPV6,
            10 => check::IPV4,
            _ => 0,
        } | if s.to_kernel {
            check::REJECT_IN_REQUEST
        } else {
            0
        };
        s.data
            .get(start..end)
            .is_some_and(|attrs| self.walk_in(s, bad, set, attrs, start, depth, v))
    }

    /// [`Compiled::walk`] over the attribute bytes `buf`, found at offset `base`.
    #[allow(clippy::too_many_arguments)]
    fn walk_in<V: Visitor>(
        &self,
        s: &Scope<'_>,
        bad: u8,
        set: u32,
        mut buf: &[u8],
        base: usize,
        depth: usize,
        v: &mut V,
    ) -> bool {
        let Some(cs) = self.sets.get(set as usize) else {
            return false;
        };
        let mut seen: u64 = 0;
        let mut off = base;
        while !buf.is_empty() {
            let Some(h) = NlAttrHdr::parse(buf, s.order) else {
                return false; // leftover bytes
            };
            let len = usize::from(h.len);
            let num = h.num();
            if len < NLA_HDRLEN {
                return false;
            }
            let Some((attr, rest)) = buf.split_at_checked(len) else {
                return false; // runs past its parent
            };
            if num < 64 {
                let bit = 1u64 << num;
                // A duplicate, or a zero-length attribute that may be a foreign pad.
                if seen & bit != 0 || (len == NLA_HDRLEN && cs.pads & bit != 0) {
                    return false;
                }
                seen |= bit;
            }
            let Some(e) = cs.entries.get(usize::from(num)) else {
                return false; // not in the set
            };
            let value = attr.get(NLA_HDRLEN..).unwrap_or(&[]);
            let vlen = value.len();
            let fits = if e.exact != 0 {
                (u32::from(h.ty) << 16 | u32::from(h.len)) == e.exact
            } else {
                h.ty & FLAG_BITS == e.flags
                    && vlen >= usize::from(e.lo)
                    && vlen <= usize::from(e.hi)
            };
            if !fits || e.checks & bad != 0 {
                return false;
            }
            let leaf = match e.kind {
                Kind::Nest => Some(Leaf::Nest),
                Kind::Uint => uint_clean(s, e, value, V::VALUES).map(Leaf::Uint),
                Kind::Bytes => {
                    (e.checks & check::LABELS == 0 || vlen % 4 == 0).then_some(Leaf::Bytes)
                }
                Kind::Pad => Some(Leaf::Pad),
                Kind::Text => text_clean(e.def, value).then_some(Leaf::Text),
                Kind::Full | Kind::Absent => None,
            };
            let Some(leaf) = leaf else {
                return false;
            };
            v.attr(&Clean {
                def: e.def,
                set: cs.set,
                ty: h.ty,
                len: h.len,
                offset: off,
                depth,
                value: leaf,
            });
            if e.kind == Kind::Nest {
                if depth >= s.max_depth
                    || !self.walk_in(s, bad, e.child, value, off + NLA_HDRLEN, depth + 1, v)
                {
                    return false;
                }
                v.end_nest();
            }
            // The alignment padding (up to 3 bytes, fewer at the end of the parent)
            // must be zero.
            let pad = (align4(len) - len).min(rest.len());
            let (padding, next) = rest.split_at_checked(pad).unwrap_or((&[], &[]));
            if pad != 0 && padding.iter().any(|&b| b != 0) {
                return false;
            }
            off += len + pad;
            buf = next;
        }
        true
    }
}

/// The compiled form of one entry (mirrors `decode::decode_value` and the checks it
/// calls: `header_flags`, `uint_value`, `check_uint`, `binary_value`, `text_value`,
/// `struct_value`, `check_family`).
fn entry(d: &'static AttrDef, child: u32) -> Entry {
    let mut e = Entry {
        kind: Kind::Bytes,
        flags: 0,
        exact: 0,
        lo: 0,
        hi: u16::MAX,
        checks: 0,
        size: 0,
        big: matches!(d.order, Order::Big),
        child,
        mask: 0,
        def: d,
    };
    if d.reject_in_request && !d.ty.is_nest() {
        e.checks |= check::REJECT_IN_REQUEST;
    }
    match d.ty {
        Type::Nest(_) => {
            e.kind = Kind::Nest;
            e.flags = NESTED;
        }
        Type::Sub(_) => e.kind = Kind::Full,
        Type::Struct(st) => e.lo = u16::try_from(st.size).unwrap_or(u16::MAX),
        Type::Pad => e.kind = Kind::Pad,
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
            let size = d.ty.fixed_size().unwrap_or(0);
            e.kind = Kind::Uint;
            e.size = size as u8;
            e.lo = size as u16;
            e.hi = size as u16;
            match d.display {
                Display::Enum(en) if !en.open => {
                    e.checks |= check::ENUM;
                    e.mask = enum_bitmap(en);
                }
                Display::Flags(fl) => {
                    e.checks |= check::FLAGS;
                    e.mask = fl.known_mask();
                }
                Display::Ipv4 => e.checks |= check::IPV4,
                _ => {}
            }
        }
        Type::Binary => {
            e.lo = d.min_len;
            if d.max_len > 0 {
                e.hi = d.max_len;
            }
            match d.display {
                Display::Ipv6 => e.checks |= check::IPV6,
                Display::Labels => e.checks |= check::LABELS,
                _ => {}
            }
        }
        Type::String | Type::NulString => e.kind = Kind::Text,
    }
    if e.lo == e.hi && e.kind != Kind::Nest && e.kind != Kind::Full {
        e.exact = u32::from(d.num) << 16 | (u32::from(e.lo) + NLA_HDRLEN as u32);
    }
    e
}

/// The entry of numbers a set does not define.
const ABSENT: Entry = Entry {
    kind: Kind::Absent,
    flags: 0,
    exact: 0,
    lo: 0,
    hi: 0,
    checks: 0,
    size: 0,
    big: false,
    child: u32::MAX,
    mask: 0,
    def: &ABSENT_DEF,
};

/// The entry-less placeholder of [`ABSENT`] (never shown: absent numbers are
/// never clean).
const ABSENT_DEF: AttrDef = AttrDef::new(0, "", "", Type::Binary);

/// Bit v set for every known value v below 64 of a closed enum.
fn enum_bitmap(en: &Enum) -> u64 {
    en.values
        .iter()
        .filter(|(v, _)| *v < 64)
        .fold(0, |m, (v, _)| m | 1u64 << v)
}

/// The value of a clean integer (0 when `values` is false and no check reads it),
/// `None` when the full walk would report it.
fn uint_clean(s: &Scope<'_>, e: &Entry, bytes: &[u8], values: bool) -> Option<u64> {
    if e.checks & (check::ENUM | check::FLAGS) == 0 && !values {
        return Some(0);
    }
    let order = if e.big { Endian::Big } else { s.order };
    let v = read_uint(bytes, usize::from(e.size), order)?;
    if e.checks & check::ENUM != 0 {
        let known = if v < 64 {
            e.mask & 1u64 << v != 0
        } else {
            matches!(e.def.display, Display::Enum(en) if en.name_of(v).is_some())
        };
        if !known {
            return None;
        }
    }
    if e.checks & check::FLAGS != 0 && v & !e.mask != 0 {
        return None;
    }
    Some(v)
}

/// A string the full walk has nothing to say about: UTF-8 up to its NUL, the NUL
/// NLA_NUL_STRING requires, within the kernel's maximum.
fn text_clean(d: &AttrDef, bytes: &[u8]) -> bool {
    let nul = bytes.iter().position(|&b| b == 0);
    let text = bytes.get(..nul.unwrap_or(bytes.len())).unwrap_or(&[]);
    if std::str::from_utf8(text).is_err() {
        return false;
    }
    if matches!(d.ty, Type::NulString) && nul.is_none() {
        return false;
    }
    d.max_len == 0 || text.len() < usize::from(d.max_len)
}
