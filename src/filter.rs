//! Message filters (`--filter`): boolean expressions over decoded fields, applied
//! before any rendering. Reads messages through the view layer.
//!
//! Grammar (nom; `and` binds tighter than `or`; several `--filter` must all match):
//!
//! ```text
//! expr    = and ("or" and)*
//! and     = unary ("and" unary)*
//! unary   = ("!" | "not") unary | "(" expr ")" | term
//! term    = key ["=" value ("," value)*]        any of the values matches
//! ```
//!
//! Keys and their values are validated when the filter is parsed: an unknown key,
//! value or operator is a one-line error naming what is valid (or the nearest key).

use crate::finding::{Code, Severity};
use crate::model::{Body, Direction, Kind};
use crate::schema::enums::{self, CT_STATUS, DCCP_STATE, FAMILY, IP_PROTO, SCTP_STATE, TCP_STATE};
use crate::schema::{messages, paths, AttrPath};
use crate::view::{Attr, LabelMap, Msg, Repr};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, multispace0, multispace1};
use nom::combinator::{map, opt, recognize};
use nom::multi::separated_list1;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};
use std::fmt;
use std::net::IpAddr;

/// Why a filter expression was refused: one line for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

fn err<T>(msg: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(msg.into()))
}

/// Names the filter needs from outside the capture.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// connlabel.conf names of label bits.
    pub labels: LabelMap,
}

/// A parsed filter: a conjunction of expressions.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    exprs: Vec<Expr>,
}

#[derive(Debug, Clone)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Test(Test),
}

#[derive(Debug, Clone)]
enum Test {
    Kind(Vec<&'static str>),
    Dir(Direction),
    Subsys(Vec<u8>),
    Msg(Vec<(Option<u8>, &'static str)>),
    Family(Vec<u64>),
    Proto(Vec<u64>),
    Addr(Which, Vec<Cidr>),
    Port(Which, Vec<u64>),
    Zone(Vec<u64>),
    /// The zone of the original (`true`) or reply tuple.
    TupleZone(bool, Vec<u64>),
    Mark(u64, u64),
    Status(u64),
    Errno(Vec<i64>),
    Findings(Severity),
    Code(Vec<Code>),
    Frame(Vec<(u64, u64)>),
    Nat(Which),
    Label(Vec<u32>),
    State(Vec<&'static str>),
    Helper(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Any,
    Src,
    Dst,
}

/// Every key, for validation and suggestions.
const KEYS: &[&str] = &[
    "kind",
    "dir",
    "subsys",
    "msg",
    "family",
    "proto",
    "addr",
    "src",
    "dst",
    "port",
    "sport",
    "dport",
    "zone",
    "orig-zone",
    "reply-zone",
    "mark",
    "status",
    "errno",
    "findings",
    "code",
    "frame",
    "nat",
    "label",
    "state",
    "helper",
];

/// Bare words that stand for `kind=WORD`.
const KIND_WORDS: &[&str] = &[
    "event",
    "request",
    "reply",
    "ack",
    "error",
    "done",
    "dump-reply",
    "dump-request",
];

/// Every `kind` value.
const KINDS: &[&str] = &[
    "request",
    "dump-request",
    "reply",
    "dump-reply",
    "event",
    "event-new",
    "event-update",
    "event-destroy",
    "ack",
    "error",
    "done",
    "noop",
    "overrun",
    "batch-begin",
    "batch-end",
    "other",
];

#[derive(Debug, Clone, Copy)]
struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    fn parse(s: &str) -> Result<Cidr, FilterError> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let Ok(addr) = a.parse::<IpAddr>() else {
            return err(format!("{a:?} is not an IPv4 or IPv6 address"));
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => match l.parse::<u8>().ok().filter(|&n| n <= max) {
                Some(n) => n,
                None => return err(format!("bad prefix length {l:?} (0 to {max})")),
            },
            None => max,
        };
        Ok(Cidr { addr, len })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------
// The grammar

/// A parsed but not yet validated expression.
#[derive(Debug, Clone, PartialEq)]
enum Raw<'a> {
    Or(Vec<Raw<'a>>),
    And(Vec<Raw<'a>>),
    Not(Box<Raw<'a>>),
    Term(&'a str, Option<Vec<&'a str>>),
}

fn word(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_').parse(i)
}

fn value(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| !c.is_whitespace() && !matches!(c, ',' | '(' | ')' | '=' | '!')).parse(i)
}

fn keyword<'a>(
    k: &'static str,
) -> impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>> {
    delimited(multispace0, tag(k), multispace1)
}

fn term(i: &str) -> IResult<&str, Raw<'_>> {
    let (i, key) = preceded(multispace0, word).parse(i)?;
    let (i, vals) = opt(preceded(
        delimited(multispace0, char('='), multispace0),
        separated_list1(delimited(multispace0, char(','), multispace0), value),
    ))
    .parse(i)?;
    Ok((i, Raw::Term(key, vals)))
}

fn unary(i: &str) -> IResult<&str, Raw<'_>> {
    let not = alt((
        recognize(preceded(multispace0, char('!'))),
        preceded(multispace0, recognize((tag("not"), multispace1))),
    ));
    alt((
        map(preceded(not, unary), |e| Raw::Not(Box::new(e))),
        delimited(
            preceded(multispace0, char('(')),
            or_expr,
            preceded(multispace0, char(')')),
        ),
        term,
    ))
    .parse(i)
}

fn and_expr(i: &str) -> IResult<&str, Raw<'_>> {
    map(
        separated_list1(
            alt((
                keyword("and"),
                delimited(multispace0, tag("&&"), multispace0),
            )),
            unary,
        ),
        |mut v| {
            if v.len() == 1 {
                v.remove(0)
            } else {
                Raw::And(v)
            }
        },
    )
    .parse(i)
}

fn or_expr(i: &str) -> IResult<&str, Raw<'_>> {
    map(
        separated_list1(
            alt((
                keyword("or"),
                delimited(multispace0, tag("||"), multispace0),
            )),
            and_expr,
        ),
        |mut v| {
            if v.len() == 1 {
                v.remove(0)
            } else {
                Raw::Or(v)
            }
        },
    )
    .parse(i)
}

/// Parses `s` into an unvalidated tree; the whole input must be consumed.
fn parse_raw(s: &str) -> Result<Raw<'_>, FilterError> {
    match or_expr(s) {
        Ok((rest, e)) if rest.trim().is_empty() => Ok(e),
        Ok((rest, _)) => {
            let rest = rest.trim_start();
            let next = rest.split_whitespace().next().unwrap_or(rest);
            let after = rest.get(next.len()..).unwrap_or("").trim();
            if ["and", "or", "&&", "||"].contains(&next) {
                if after.is_empty() {
                    err(format!("the filter ends with {next:?}: a term must follow"))
                } else {
                    err(format!(
                        "{next:?} must be followed by a term, found {after:?}"
                    ))
                }
            } else if ["AND", "OR", "NOT", "And", "Or", "Not"].contains(&next) {
                err(format!(
                    "operators are lower-case: {:?}",
                    next.to_ascii_lowercase()
                ))
            } else if next.starts_with(')') {
                err("unbalanced ')'")
            } else {
                err(format!(
                    "expected `and`, `or` or the end after the terms, found {next:?} (two terms need an operator between them)"
                ))
            }
        }
        Err(_) => {
            let t = s.trim();
            if t.is_empty() {
                err("empty filter")
            } else if t.ends_with("and")
                || t.ends_with("or")
                || t.ends_with('!')
                || t.ends_with("not")
            {
                err("the filter ends with an operator: a term must follow")
            } else if t.matches('(').count() != t.matches(')').count() {
                err("unbalanced parentheses")
            } else {
                err(format!("cannot parse {t:?}"))
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Validation: raw terms to tests

/// The edit distance of two short words, a swap of neighbours counting one edit
/// (optimal string alignment: `dprot` is one edit from `dport`, two from `proto`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    // d[i][j]: distance of a[..i] and b[..j], row-major.
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |d: &[usize], i: usize, j: usize| d.get(i * w + j).copied().unwrap_or(usize::MAX / 2);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let v = if i == 0 || j == 0 {
                i + j
            } else {
                let ca = a.get(i - 1);
                let cb = b.get(j - 1);
                let mut v = (at(&d, i - 1, j - 1) + usize::from(ca != cb))
                    .min(at(&d, i - 1, j) + 1)
                    .min(at(&d, i, j - 1) + 1);
                if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                    v = v.min(at(&d, i - 2, j - 2) + 1);
                }
                v
            };
            if let Some(slot) = d.get_mut(i * w + j) {
                *slot = v;
            }
        }
    }
    at(&d, a.len(), b.len())
}

fn unknown_key(key: &str) -> FilterError {
    let near = KEYS.iter().min_by_key(|k| distance(key, k)).copied();
    match near.filter(|k| distance(key, k) <= 2) {
        Some(k) => FilterError(format!("unknown filter key {key:?}: did you mean {k:?}?")),
        None => FilterError(format!(
            "unknown filter key {key:?} (keys: {})",
            KEYS.join(", ")
        )),
    }
}

fn one_of<'v>(key: &str, v: &str, valid: impl Iterator<Item = &'v str> + Clone) -> FilterError {
    let list: Vec<&str> = valid.collect();
    FilterError(format!(
        "{key}={v}: unknown value {v:?} (valid: {})",
        list.join(", ")
    ))
}

fn number(key: &str, v: &str, max: u64) -> Result<u64, FilterError> {
    let r = match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => v.parse::<u64>(),
    };
    match r {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => err(format!("{key}={v}: {n} is above the largest {key}, {max}")),
        Err(_) => err(format!("{key}={v}: {v:?} is not a number")),
    }
}

/// A value of an enum (a name, or a number within the field's range).
fn named(key: &str, v: &str, e: &enums::Enum, max: u64) -> Result<u64, FilterError> {
    if let Some(n) = e.value_of(v) {
        return Ok(n);
    }
    if v.chars().all(|c| c.is_ascii_digit()) || v.starts_with("0x") {
        return number(key, v, max);
    }
    Err(one_of(key, v, e.values.iter().map(|(_, n)| *n)))
}

fn need<'a>(key: &str, vals: &'a Option<Vec<&'a str>>) -> Result<&'a [&'a str], FilterError> {
    match vals {
        Some(v) => Ok(v),
        None => err(format!("filter key {key:?} needs a value: {key}=...")),
    }
}

/// Every value of the term, through `f`.
fn each<T>(
    key: &str,
    vals: &Option<Vec<&str>>,
    f: impl Fn(&str) -> Result<T, FilterError>,
) -> Result<Vec<T>, FilterError> {
    need(key, vals)?.iter().map(|v| f(v)).collect()
}

/// One of a fixed set of words.
fn one_word<'w>(key: &str, v: &str, words: &[&'w str]) -> Result<&'w str, FilterError> {
    words
        .iter()
        .find(|w| **w == v)
        .copied()
        .ok_or_else(|| one_of(key, v, words.iter().copied()))
}

impl Test {
    fn from_term(key: &str, vals: &Option<Vec<&str>>, names: &Names) -> Result<Test, FilterError> {
        if vals.is_none() {
            if let Some(k) = KIND_WORDS.iter().find(|k| **k == key) {
                return Ok(Test::Kind(vec![k]));
            }
            if key == "findings" {
                return Ok(Test::Findings(Severity::Info));
            }
        }
        let which = match key {
            "src" | "sport" => Which::Src,
            "dst" | "dport" => Which::Dst,
            _ => Which::Any,
        };
        let u32_max = u64::from(u32::MAX);
        Ok(match key {
            "kind" => Test::Kind(each(key, vals, |v| one_word(key, v, KINDS))?),
            "dir" => match one_word(key, one(key, vals, "to-kernel or from-kernel")?, DIRS)? {
                "from-kernel" | "k>u" => Test::Dir(Direction::FromKernel),
                _ => Test::Dir(Direction::ToKernel),
            },
            "subsys" => Test::Subsys(each(key, vals, |v| subsys_value(key, v))?),
            "msg" => Test::Msg(each(key, vals, msg_name)?),
            "family" => Test::Family(each(key, vals, |v| named(key, v, &FAMILY, 255))?),
            "proto" => Test::Proto(each(key, vals, |v| named(key, v, &IP_PROTO, 255))?),
            "addr" | "src" | "dst" => Test::Addr(
                which,
                each(key, vals, |c| {
                    Cidr::parse(c).map_err(|e| FilterError(format!("{key}={c}: {e}")))
                })?,
            ),
            "port" | "sport" | "dport" => {
                Test::Port(which, each(key, vals, |v| number(key, v, 65535))?)
            }
            "zone" => Test::Zone(each(key, vals, |v| number(key, v, 65535))?),
            "orig-zone" | "reply-zone" => Test::TupleZone(
                key == "orig-zone",
                each(key, vals, |v| number(key, v, 65535))?,
            ),
            "mark" => {
                let v = one(key, vals, "N or N/MASK")?;
                match v.split_once('/') {
                    Some((m, k)) => Test::Mark(number(key, m, u32_max)?, number(key, k, u32_max)?),
                    None => Test::Mark(number(key, v, u32_max)?, u32_max),
                }
            }
            "status" => Test::Status(
                each(key, vals, |f| status_bit(key, f))?
                    .iter()
                    .fold(0, |a, b| a | b),
            ),
            "errno" => Test::Errno(each(key, vals, errno)?),
            "findings" => Test::Findings(match need(key, vals)?.first() {
                None => Severity::Info,
                Some(v) => match one_word(key, v, &["any", "info", "warning", "error"])? {
                    "warning" => Severity::Warning,
                    "error" => Severity::Error,
                    _ => Severity::Info,
                },
            }),
            "code" => Test::Code(each(key, vals, code_value)?),
            "frame" => Test::Frame(each(key, vals, frame_range)?),
            "nat" => Test::Nat(match need(key, vals)?.first() {
                None => Which::Any,
                Some(v) => match one_word(key, v, &["src", "dst", "any"])? {
                    "src" => Which::Src,
                    "dst" => Which::Dst,
                    _ => Which::Any,
                },
            }),
            "label" => Test::Label(each(key, vals, |v| label_value(key, v, &names.labels))?),
            "state" => Test::State(each(key, vals, |v| state_value(key, v))?),
            "helper" => Test::Helper(each(key, vals, |s| Ok(s.to_string()))?),
            _ => return Err(unknown_key(key)),
        })
    }
}

/// `dir=` words.
const DIRS: &[&str] = &["to-kernel", "u>k", "request", "from-kernel", "k>u"];

/// The single value of a key that takes one.
fn one<'v>(key: &str, vals: &'v Option<Vec<&str>>, what: &str) -> Result<&'v str, FilterError> {
    match need(key, vals)? {
        [v] => Ok(v),
        _ => err(format!("{key} takes one value: {what}")),
    }
}

fn subsys_value(key: &str, v: &str) -> Result<u8, FilterError> {
    if let Some(s) = messages::SUBSYSTEMS.iter().find(|s| s.name == v) {
        return Ok(s.id);
    }
    number(key, v, 255)
        .map(|n| n as u8)
        .map_err(|_| one_of(key, v, messages::SUBSYSTEMS.iter().map(|s| s.name)))
}

fn status_bit(key: &str, f: &str) -> Result<u64, FilterError> {
    CT_STATUS
        .value_of(f)
        .ok_or_else(|| one_of(key, f, CT_STATUS.bits.iter().map(|(_, n)| *n)))
}

fn code_value(c: &str) -> Result<Code, FilterError> {
    Code::from_name(c).ok_or_else(|| {
        let near = Code::ALL.iter().min_by_key(|k| distance(c, k.as_str()));
        match near.filter(|k| distance(c, k.as_str()) <= 3) {
            Some(k) => FilterError(format!(
                "code={c}: unknown finding code {c:?}: did you mean {:?}?",
                k.as_str()
            )),
            None => FilterError(format!(
                "code={c}: unknown finding code {c:?} (docs/json.md lists them)"
            )),
        }
    })
}

fn label_value(key: &str, v: &str, labels: &LabelMap) -> Result<u32, FilterError> {
    match labels.bit_of(v) {
        Some(bit) => Ok(bit),
        None if v.chars().all(|c| c.is_ascii_digit()) => number(key, v, 127).map(|b| b as u32),
        None if labels.is_empty() => err(format!(
            "label={v}: not a bit number, and no --labels file names it"
        )),
        None => Err(one_of(key, v, labels.iter().map(|(_, n)| n))),
    }
}

/// A TCP, SCTP or DCCP state name (any case).
fn state_value(key: &str, v: &str) -> Result<&'static str, FilterError> {
    let tables = [&TCP_STATE, &SCTP_STATE, &DCCP_STATE];
    let found = tables
        .iter()
        .find_map(|e| e.values.iter().find(|(_, n)| n.eq_ignore_ascii_case(v)));
    if let Some((_, n)) = found {
        return Ok(n);
    }
    let mut all: Vec<&str> = Vec::new();
    for (_, n) in tables.iter().flat_map(|e| e.values) {
        if !all.contains(n) {
            all.push(n);
        }
    }
    Err(one_of(key, v, all.into_iter()))
}

fn msg_name(v: &str) -> Result<(Option<u8>, &'static str), FilterError> {
    let (sub, name) = match v.split_once(' ') {
        Some((s, n)) => (Some(s), n),
        None => (None, v),
    };
    for ss in messages::SUBSYSTEMS {
        if sub.is_some_and(|s| s != ss.name) {
            continue;
        }
        if let Some(m) = ss.messages.iter().find(|m| m.name == name) {
            return Ok((sub.map(|_| ss.id), m.name));
        }
    }
    let mut all: Vec<&str> = Vec::new();
    for ss in messages::SUBSYSTEMS {
        for m in ss.messages {
            if !all.contains(&m.name) {
                all.push(m.name);
            }
        }
    }
    Err(one_of("msg", v, all.into_iter()))
}

fn errno(e: &str) -> Result<i64, FilterError> {
    if let Some(c) =
        (1..=200u32).find(|&c| enums::errno(c).is_some_and(|(n, _)| n.eq_ignore_ascii_case(e)))
    {
        return Ok(i64::from(c));
    }
    match e.trim_start_matches('-').parse::<i64>() {
        Ok(n) if (1..=4095).contains(&n) => Ok(n),
        _ => err(format!(
            "errno={e}: {e:?} is not an errno name (ENOENT, EINVAL, ...) or number"
        )),
    }
}

fn frame_range(v: &str) -> Result<(u64, u64), FilterError> {
    let n = |s: &str| number("frame", s, u64::MAX);
    match v.split_once('-') {
        Some((a, "")) => Ok((n(a)?, u64::MAX)),
        Some((a, b)) => {
            let (a, b) = (n(a)?, n(b)?);
            if b < a {
                return err(format!("frame={v}: the range ends before it starts"));
            }
            Ok((a, b))
        }
        None => {
            let a = n(v)?;
            Ok((a, a))
        }
    }
}

fn validate(raw: &Raw<'_>, names: &Names) -> Result<Expr, FilterError> {
    Ok(match raw {
        Raw::Or(v) => Expr::Or(
            v.iter()
                .map(|r| validate(r, names))
                .collect::<Result<_, _>>()?,
        ),
        Raw::And(v) => Expr::And(
            v.iter()
                .map(|r| validate(r, names))
                .collect::<Result<_, _>>()?,
        ),
        Raw::Not(r) => Expr::Not(Box::new(validate(r, names)?)),
        Raw::Term(k, vals) => Expr::Test(Test::from_term(k, vals, names)?),
    })
}

impl Filter {
    /// A filter that matches everything.
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Adds one `--filter` expression (ANDed with the others).
    pub fn add(&mut self, expr: &str) -> Result<(), FilterError> {
        self.add_with(expr, &Names::default())
    }

    /// Adds one expression, with label names for `label=`.
    pub fn add_with(&mut self, expr: &str, names: &Names) -> Result<(), FilterError> {
        let raw = parse_raw(expr)?;
        self.exprs.push(validate(&raw, names)?);
        Ok(())
    }

    /// Whether no expression was added.
    pub fn is_empty(&self) -> bool {
        self.exprs.is_empty()
    }

    /// Whether some expression reads decoded attributes (addresses, ports, mark,
    /// status, ...), not only the message's header, kind, body, findings or frame:
    /// then the decoder must build every message's attribute nodes.
    pub fn reads_attributes(&self) -> bool {
        self.exprs.iter().any(Expr::reads_attributes)
    }

    /// Whether message `msg` of frame `frame` passes.
    pub fn matches(&self, frame: u64, msg: &Msg<'_>) -> bool {
        self.exprs.iter().all(|e| e.matches(frame, msg))
    }
}

impl Expr {
    fn reads_attributes(&self) -> bool {
        match self {
            Expr::Or(v) | Expr::And(v) => v.iter().any(Expr::reads_attributes),
            Expr::Not(e) => e.reads_attributes(),
            Expr::Test(t) => !matches!(
                t,
                Test::Kind(_)
                    | Test::Dir(_)
                    | Test::Subsys(_)
                    | Test::Msg(_)
                    | Test::Family(_)
                    | Test::Errno(_)
                    | Test::Findings(_)
                    | Test::Code(_)
                    | Test::Frame(_)
            ),
        }
    }

    fn matches(&self, frame: u64, msg: &Msg<'_>) -> bool {
        match self {
            Expr::Or(v) => v.iter().any(|e| e.matches(frame, msg)),
            Expr::And(v) => v.iter().all(|e| e.matches(frame, msg)),
            Expr::Not(e) => !e.matches(frame, msg),
            Expr::Test(t) => t.matches(frame, msg),
        }
    }
}

/// The tuples of a message (and of the request an error echoes): conntrack
/// tuple-orig, tuple-reply, tuple-master; expectation master, tuple, mask.
fn tuples<'r>(msg: &Msg<'r>) -> impl Iterator<Item = Attr<'r>> + 'r {
    let m = *msg;
    let echo = match &m.message().body {
        Body::Error { echo: Some(e), .. } => Some(m.attrs_in(e.attrs.clone())),
        _ => None,
    };
    m.attrs().chain(echo.into_iter().flatten()).filter(|a| {
        a.def()
            .and_then(|d| d.nested())
            .is_some_and(|s| std::ptr::eq(s, &crate::schema::ct::TUPLE))
    })
}

fn top(msg: &Msg<'_>, p: &AttrPath) -> Option<u64> {
    msg.at(p).and_then(|a| a.uint())
}

fn ip_of(a: Option<Attr<'_>>) -> Option<IpAddr> {
    match a?.value() {
        Repr::V4(x) => Some(IpAddr::V4(x)),
        Repr::V6(x) => Some(IpAddr::V6(x)),
        _ => None,
    }
}

impl Test {
    fn matches(&self, frame: u64, msg: &Msg<'_>) -> bool {
        let nf = msg.nf();
        match self {
            Test::Kind(ks) => ks.iter().any(|k| {
                *k == msg.kind().as_str() || (*k == "event" && matches!(msg.kind(), Kind::Event(_)))
            }),
            Test::Dir(d) => msg.direction() == *d,
            Test::Subsys(ids) => nf.is_some_and(|nf| ids.contains(&nf.subsys)),
            Test::Msg(names) => nf.is_some_and(|nf| {
                let name = messages::msg_name(nf.subsys, nf.msg);
                names
                    .iter()
                    .any(|(sub, n)| Some(*n) == name && sub.is_none_or(|s| s == nf.subsys))
            }),
            Test::Family(fs) => nf.is_some_and(|nf| fs.contains(&u64::from(nf.nfgen.family))),
            Test::Proto(ps) => tuples(msg).any(|t| {
                t.at(&paths::PROTO_NUM)
                    .and_then(|a| a.uint())
                    .is_some_and(|p| ps.contains(&p))
            }),
            Test::Addr(which, cidrs) => tuples(msg).any(|t| {
                let src = [&paths::IP_V4_SRC, &paths::IP_V6_SRC];
                let dst = [&paths::IP_V4_DST, &paths::IP_V6_DST];
                let pick: Vec<&AttrPath> = match which {
                    Which::Src => src.to_vec(),
                    Which::Dst => dst.to_vec(),
                    Which::Any => src.into_iter().chain(dst).collect(),
                };
                pick.iter()
                    .filter_map(|p| ip_of(t.at(p)))
                    .any(|ip| cidrs.iter().any(|c| c.contains(ip)))
            }),
            Test::Port(which, ports) => tuples(msg).any(|t| {
                let pick: &[&AttrPath] = match which {
                    Which::Src => &[&paths::SRC_PORT],
                    Which::Dst => &[&paths::DST_PORT],
                    Which::Any => &[&paths::SRC_PORT, &paths::DST_PORT],
                };
                pick.iter()
                    .filter_map(|p| t.at(p).and_then(|a| a.uint()))
                    .any(|v| ports.contains(&v))
            }),
            Test::Zone(zs) => {
                top(msg, &paths::ZONE).is_some_and(|z| zs.contains(&z))
                    || tuples(msg).any(|t| {
                        t.at(&paths::TUPLE_ZONE)
                            .and_then(|a| a.uint())
                            .is_some_and(|z| zs.contains(&z))
                    })
            }
            Test::TupleZone(orig, zs) => {
                let p = if *orig {
                    &paths::ORIG_ZONE
                } else {
                    &paths::REPLY_ZONE
                };
                top(msg, p).is_some_and(|z| zs.contains(&z))
            }
            Test::Mark(m, mask) => top(msg, &paths::MARK).is_some_and(|v| v & mask == m & mask),
            Test::Status(bits) => top(msg, &paths::STATUS).is_some_and(|v| v & bits == *bits),
            Test::Errno(es) => match msg.message().body {
                Body::Error { error, .. } if error != 0 => es.contains(&i64::from(error).abs()),
                Body::Done {
                    status: Some(s), ..
                } if s < 0 => es.contains(&i64::from(s).abs()),
                _ => false,
            },
            Test::Findings(sev) => msg.findings().iter().any(|f| f.severity >= *sev),
            Test::Code(codes) => msg.findings().iter().any(|f| codes.contains(&f.code)),
            Test::Frame(rs) => rs.iter().any(|(a, b)| (*a..=*b).contains(&frame)),
            Test::Nat(which) => nat_of(msg).is_some_and(|(s, d)| match which {
                Which::Src => s,
                Which::Dst => d,
                Which::Any => s || d,
            }),
            Test::Label(bits) => msg.at(&paths::LABELS).is_some_and(|a| {
                let mut set = Vec::new();
                crate::view::label_bits(a.bytes(), msg.order(), |b| set.push(b));
                bits.iter().any(|b| set.contains(b))
            }),
            Test::State(names) => [&paths::TCP_STATE, &paths::SCTP_STATE, &paths::DCCP_STATE]
                .iter()
                .filter_map(|p| msg.at(p))
                .any(|a| matches!(a.value(), Repr::EnumName(n) if names.contains(&n))),
            Test::Helper(names) => [&paths::HELP_NAME, &paths::EXP_HELP_NAME]
                .iter()
                .filter_map(|p| msg.at(p))
                .filter_map(|a| a.text())
                .any(|t| names.iter().any(|n| n.as_bytes() == t)),
        }
    }
}

/// Whether an entry is source / destination NATed, as conntrack's `--src-nat` /
/// `--dst-nat` decide it: the status bits, else the tuples (the reply's destination
/// differs from the original's source, or its source from the original's
/// destination).
fn nat_of(msg: &Msg<'_>) -> Option<(bool, bool)> {
    let status = top(msg, &paths::STATUS);
    if let Some(s) = status {
        const SRC_NAT: u64 = 1 << 4;
        const DST_NAT: u64 = 1 << 5;
        if s & (SRC_NAT | DST_NAT) != 0 {
            return Some((s & SRC_NAT != 0, s & DST_NAT != 0));
        }
    }
    let o = msg.at(&paths::TUPLE_ORIG)?;
    let r = msg.at(&paths::TUPLE_REPLY)?;
    let ip =
        |t: &Attr<'_>, v4: &AttrPath, v6: &AttrPath| ip_of(t.at(v4)).or_else(|| ip_of(t.at(v6)));
    let (os, od) = (
        ip(&o, &paths::IP_V4_SRC, &paths::IP_V6_SRC),
        ip(&o, &paths::IP_V4_DST, &paths::IP_V6_DST),
    );
    let (rs, rd) = (
        ip(&r, &paths::IP_V4_SRC, &paths::IP_V6_SRC),
        ip(&r, &paths::IP_V4_DST, &paths::IP_V6_DST),
    );
    Some((os != rd, od != rs))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn t<'a>(k: &'a str, v: &[&'a str]) -> Raw<'a> {
        Raw::Term(k, Some(v.to_vec()))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse_raw("kind=event and dport=443 or kind=request").unwrap(),
            Raw::Or(vec![
                Raw::And(vec![t("kind", &["event"]), t("dport", &["443"])]),
                t("kind", &["request"]),
            ])
        );
    }

    #[test]
    fn parentheses_and_negation() {
        assert_eq!(
            parse_raw("!(kind=event or not dir=to-kernel) and port=80,443").unwrap(),
            Raw::And(vec![
                Raw::Not(Box::new(Raw::Or(vec![
                    t("kind", &["event"]),
                    Raw::Not(Box::new(t("dir", &["to-kernel"]))),
                ]))),
                t("port", &["80", "443"]),
            ])
        );
        assert_eq!(parse_raw("findings").unwrap(), Raw::Term("findings", None));
        assert_eq!(
            parse_raw("a=1 && b=2 || c=3").unwrap(),
            Raw::Or(vec![
                Raw::And(vec![t("a", &["1"]), t("b", &["2"])]),
                t("c", &["3"]),
            ])
        );
    }

    #[test]
    fn syntax_errors_say_what() {
        let e = |s: &str| Filter::new().add(s).unwrap_err().to_string();
        assert_eq!(
            e("kind=event and"),
            "the filter ends with \"and\": a term must follow"
        );
        assert_eq!(
            e("kind=event or !"),
            "\"or\" must be followed by a term, found \"!\""
        );
        assert_eq!(
            e("kind=event AND dir=to-kernel"),
            "operators are lower-case: \"and\""
        );
        assert_eq!(
            e("kind=event dir=to-kernel"),
            "expected `and`, `or` or the end after the terms, found \"dir=to-kernel\" (two terms need an operator between them)"
        );
        assert_eq!(e("(kind=event"), "unbalanced parentheses");
        assert_eq!(e(""), "empty filter");
    }

    #[test]
    fn values_are_validated() {
        let e = |s: &str| Filter::new().add(s).unwrap_err().to_string();
        assert!(e("kind=evnt")
            .starts_with("kind=evnt: unknown value \"evnt\" (valid: request, dump-request,"));
        assert!(e("kind=events").contains("unknown value \"events\""));
        assert!(e("subsys=ctnetlnk").starts_with(
            "subsys=ctnetlnk: unknown value \"ctnetlnk\" (valid: none, ctnetlink, ctnetlink-exp,"
        ));
        assert!(e("msg=nw").starts_with("msg=nw: unknown value \"nw\" (valid: new, get, delete,"));
        assert_eq!(e("frame=5-2"), "frame=5-2: the range ends before it starts");
        assert_eq!(
            e("port=70000"),
            "port=70000: 70000 is above the largest port, 65535"
        );
        assert!(e("family=inet4")
            .starts_with("family=inet4: unknown value \"inet4\" (valid: unspec, inet, ipv4, arp,"));
        assert!(e("proto=tcpp").starts_with("proto=tcpp: unknown value \"tcpp\" (valid:"));
        assert_eq!(e("colour=red"), "unknown filter key \"colour\" (keys: kind, dir, subsys, msg, family, proto, addr, src, dst, port, sport, dport, zone, orig-zone, reply-zone, mark, status, errno, findings, code, frame, nat, label, state, helper)");
        assert_eq!(
            e("dprot=80"),
            "unknown filter key \"dprot\": did you mean \"dport\"?"
        );
        assert_eq!(
            e("label=foo"),
            "label=foo: not a bit number, and no --labels file names it"
        );
        assert!(e("state=establish").starts_with("state=establish: unknown value"));
        assert!(
            e("nat=both").starts_with("nat=both: unknown value \"both\" (valid: src, dst, any)")
        );
        assert_eq!(
            e("addr=10.0.0.0/33"),
            "addr=10.0.0.0/33: bad prefix length \"33\" (0 to 32)"
        );
    }

    #[test]
    fn label_names_from_the_labels_file() {
        let names = Names {
            labels: LabelMap::parse("1 foo\n3 baz\n"),
        };
        let mut f = Filter::new();
        f.add_with("label=baz,2", &names).unwrap();
        match &f.exprs[0] {
            Expr::Test(Test::Label(bits)) => assert_eq!(bits, &[3, 2]),
            other => panic!("{other:?}"),
        }
    }
}
