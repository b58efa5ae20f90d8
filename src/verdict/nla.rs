//! lib/nlattr.c, as the kernel runs it on a request: `nla_for_each_attr`,
//! `validate_nla` and `__nla_validate_parse` over the record's bytes.
//!
//! This is deliberately independent of the decoder's tree: the kernel stops a level
//! at the first attribute whose nla_len is below 4 or past the end (the decoder
//! shows that attribute), lets the last of duplicates win, and checks only what the
//! policy says.

use crate::schema::kernel::{errno, Check, Mode, Policy};
use crate::wire::field::nlattr;
use crate::wire::{read_uint, Endian, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK};

/// Largest attribute number a parse keeps (every modelled set is smaller).
pub const TB_MAX: usize = 31;

/// An attribute the kernel's walk saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// Offset of its header within the record.
    pub off: usize,
    /// nla_len.
    pub len: u16,
    /// nla_type with its flag bits.
    pub ty: u16,
}

impl Attr {
    /// The attribute number (`nla_type`).
    pub fn num(&self) -> u16 {
        self.ty & NLA_TYPE_MASK
    }

    /// Offset of the value.
    pub fn value_off(&self) -> usize {
        self.off + NLA_HDRLEN
    }

    /// Length of the value (`nla_len()`).
    pub fn value_len(&self) -> usize {
        usize::from(self.len).saturating_sub(NLA_HDRLEN)
    }

    /// The value bytes.
    pub fn value<'d>(&self, data: &'d [u8]) -> &'d [u8] {
        data.get(self.value_off()..self.value_off() + self.value_len())
            .unwrap_or(&[])
    }
}

/// `struct nlattr *tb[]`: the last attribute of each number.
#[derive(Debug, Clone, Default)]
pub struct Tb {
    slots: [Option<Attr>; TB_MAX + 1],
}

impl Tb {
    /// The attribute of number `num`.
    pub fn get(&self, num: u16) -> Option<Attr> {
        self.slots.get(usize::from(num)).copied().flatten()
    }

    fn set(&mut self, a: Attr) {
        if let Some(s) = self.slots.get_mut(usize::from(a.num())) {
            *s = Some(a);
        }
    }
}

/// A policy violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    /// The errno (positive).
    pub errno: i32,
    /// The offending attribute (`None`: the nest's trailing bytes).
    pub attr: Option<Attr>,
    /// What failed.
    pub what: Violated,
}

/// Which check a violation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violated {
    /// Shorter than the type or the policy's `.len`.
    TooShort,
    /// A nest of 1-3 bytes.
    NestTooShort,
    /// `NLA_NUL_STRING` without a NUL in reach.
    NoNul,
    /// Longer than the policy allows (strings, binaries).
    TooLong,
    /// `NLA_REJECT`.
    Rejected,
    /// Above `NLA_POLICY_MAX`.
    AboveMax,
    /// Bits outside `NLA_POLICY_MASK`.
    ReservedBits,
    /// Strict: a type of 0 or above maxtype.
    StrictUnknown,
    /// Strict: not the type's exact length.
    StrictLength,
    /// Strict: NLA_F_NESTED on a non-nest.
    StrictNestedFlag,
    /// Strict: NLA_F_NESTED missing on a nest.
    StrictNoNestedFlag,
    /// Strict: bytes left after the last attribute.
    StrictTrailing,
}

/// What a parse of one level found.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The attributes, last of each number.
    pub tb: Tb,
    /// Every violation, in order (the kernel stops at the first).
    pub violations: Vec<Violation>,
    /// Offset where the walk stopped (the first attribute it could not walk), or
    /// the end.
    pub stop: usize,
    /// Bytes left over (`rem > 0`: "bytes leftover after parsing attributes").
    pub leftover: usize,
    /// The attribute whose broken nla_len stopped the walk.
    pub broken: Option<Attr>,
}

fn u16_at(data: &[u8], at: usize, order: Endian) -> Option<u16> {
    read_uint(data.get(at..at + 2)?, 2, order).map(|v| v as u16)
}

/// `__nla_validate_parse` over `start..end` with `policy` in `mode`.
pub fn parse(
    data: &[u8],
    start: usize,
    end: usize,
    policy: &Policy,
    mode: Mode,
    order: Endian,
) -> Parsed {
    let maxtype = policy.maxtype();
    let mut out = Parsed::default();
    let mut off = start;
    // `rem` is an int in the kernel: it goes negative when the last attribute's
    // aligned length overshoots.
    let mut rem = end.saturating_sub(start) as i64;
    // nla_ok(): room for a header, and nla_len within it and the remainder.
    while rem >= NLA_HDRLEN as i64 {
        let (Some(len), Some(ty)) = (
            u16_at(data, off + nlattr::LEN.start, order),
            u16_at(data, off + nlattr::TYPE.start, order),
        ) else {
            break;
        };
        if usize::from(len) < NLA_HDRLEN || i64::from(len) > rem {
            out.broken = Some(Attr { off, len, ty });
            break;
        }
        let a = Attr { off, len, ty };
        let num = a.num();
        if num == 0 || num > maxtype {
            if mode == Mode::Strict {
                out.violations.push(Violation {
                    errno: errno::EINVAL,
                    attr: Some(a),
                    what: Violated::StrictUnknown,
                });
            }
        } else {
            if let Some(v) = validate(data, a, policy.check(num), mode, order) {
                out.violations.push(v);
            }
            out.tb.set(a);
        }
        let step = (usize::from(len) + 3) & !3;
        off += step;
        rem -= step as i64;
    }
    out.stop = off.min(end);
    if rem > 0 {
        out.leftover = rem as usize;
        if mode == Mode::Strict {
            out.violations.push(Violation {
                errno: errno::EINVAL,
                attr: None,
                what: Violated::StrictTrailing,
            });
        }
    }
    out
}

/// The exact length `nla_attr_len[]` demands under NL_VALIDATE_STRICT_ATTRS.
fn exact_len(check: Check) -> Option<usize> {
    match check {
        Check::U8 | Check::U8Max(_) => Some(1),
        Check::U16 => Some(2),
        Check::U32 | Check::U32Mask(_) | Check::Be32Max(_) | Check::Be32Mask(_) => Some(4),
        Check::U64 => Some(8),
        _ => None,
    }
}

/// `validate_nla` for one attribute.
pub fn validate(
    data: &[u8],
    a: Attr,
    check: Check,
    mode: Mode,
    order: Endian,
) -> Option<Violation> {
    let attrlen = a.value_len();
    let bad = |errno: i32, what: Violated| {
        Some(Violation {
            errno,
            attr: Some(a),
            what,
        })
    };
    if mode == Mode::Strict {
        if exact_len(check).is_some_and(|n| n != attrlen) {
            return bad(errno::EINVAL, Violated::StrictLength);
        }
        let nested_flag = a.ty & NLA_F_NESTED != 0;
        if check == Check::Nested && !nested_flag {
            return bad(errno::EINVAL, Violated::StrictNoNestedFlag);
        }
        if check != Check::Nested && check != Check::Unspec && nested_flag {
            return bad(errno::EINVAL, Violated::StrictNestedFlag);
        }
    }
    let value = a.value(data);
    match check {
        Check::Unspec => {}
        Check::MinLen(n) => {
            if attrlen < usize::from(n) {
                return bad(errno::ERANGE, Violated::TooShort);
            }
        }
        Check::U8 | Check::U8Max(_) if attrlen < 1 => {
            return bad(errno::ERANGE, Violated::TooShort)
        }
        Check::U16 if attrlen < 2 => return bad(errno::ERANGE, Violated::TooShort),
        Check::U32 | Check::U32Mask(_) | Check::Be32Max(_) | Check::Be32Mask(_) if attrlen < 4 => {
            return bad(errno::ERANGE, Violated::TooShort)
        }
        Check::U64 if attrlen < 8 => return bad(errno::ERANGE, Violated::TooShort),
        Check::U8
        | Check::U16
        | Check::U32
        | Check::U64
        | Check::U8Max(_)
        | Check::Be32Max(_)
        | Check::U32Mask(_)
        | Check::Be32Mask(_) => {}
        Check::Nested => {
            if attrlen != 0 && attrlen < 4 {
                return bad(errno::ERANGE, Violated::NestTooShort);
            }
        }
        Check::NulString(max) => {
            let reach = if max > 0 {
                attrlen.min(usize::from(max) + 1)
            } else {
                attrlen
            };
            if reach == 0 || !value.iter().take(reach).any(|&b| b == 0) {
                return bad(errno::EINVAL, Violated::NoNul);
            }
            if max > 0 {
                let mut n = attrlen;
                if value.last() == Some(&0) {
                    n -= 1;
                }
                if n > usize::from(max) {
                    return bad(errno::ERANGE, Violated::TooLong);
                }
            }
        }
        Check::Binary(max) => {
            if max > 0 && attrlen > usize::from(max) {
                return bad(errno::ERANGE, Violated::TooLong);
            }
        }
        Check::Reject => return bad(errno::EINVAL, Violated::Rejected),
    }
    // Further validation: NLA_VALIDATE_MAX / NLA_VALIDATE_MASK.
    let above = |v: Option<u64>, max: u64| v.is_some_and(|v| v > max);
    let outside = |v: Option<u64>, mask: u64| v.is_some_and(|v| v & !mask != 0);
    match check {
        Check::U8Max(max) if above(value.first().map(|&v| u64::from(v)), u64::from(max)) => {
            return bad(errno::ERANGE, Violated::AboveMax)
        }
        Check::Be32Max(max) if above(read_uint(value, 4, Endian::Big), u64::from(max)) => {
            return bad(errno::ERANGE, Violated::AboveMax)
        }
        Check::U32Mask(mask) if outside(read_uint(value, 4, order), u64::from(mask)) => {
            return bad(errno::EINVAL, Violated::ReservedBits)
        }
        Check::Be32Mask(mask) if outside(read_uint(value, 4, Endian::Big), u64::from(mask)) => {
            return bad(errno::EINVAL, Violated::ReservedBits)
        }
        _ => {}
    }
    None
}
