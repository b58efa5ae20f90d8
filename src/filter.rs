//! Message filters (`--filter`): composable tests on decoded fields, applied before
//! any rendering.
//!
//! Syntax (one `--filter` each; several `--filter` must all match):
//!
//! ```text
//! TERM       key=value[,value...]   any of the values matches (status: all flags set)
//!            key                    shorthand, e.g. `findings`, `event`
//!            !TERM                  negation
//! EXPR       TERM [and TERM]... | TERM [or TERM]...
//! ```
//!
//! Keys: `kind`, `dir`, `subsys`, `msg`, `family`, `proto`, `addr`, `src`, `dst`
//! (addresses or CIDR prefixes on any tuple), `port`, `sport`, `dport`, `zone`,
//! `mark` (`N` or `N/MASK`), `status` (flag names), `errno` (`ENOENT`, `2` or `-2`),
//! `findings` (`any`, `error`, `warning`, `info`: at least that severity), `code`
//! (a finding code), `frame` (`N`, `N-M`, `N-`, several comma-separated). Parsing never panics; a bad filter
//! is an error message for the user.

use crate::finding::{Code, Severity};
use crate::model::{Body, Direction, Kind, Message, Record};
use crate::render::{value_repr, Repr};
use crate::schema::ct;
use crate::schema::enums::{CT_STATUS, FAMILY, IP_PROTO};
use crate::wire::Endian;
use std::net::IpAddr;

/// A parsed filter: a conjunction of expressions.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    exprs: Vec<Expr>,
}

#[derive(Debug, Clone)]
enum Expr {
    All(Vec<Term>),
    Any(Vec<Term>),
}

#[derive(Debug, Clone)]
struct Term {
    negate: bool,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Kind(Vec<String>),
    Dir(Direction),
    Subsys(Vec<String>),
    Msg(Vec<String>),
    Family(Vec<u64>),
    Proto(Vec<u64>),
    Addr(Which, Vec<Cidr>),
    Port(Which, Vec<u64>),
    Zone(Vec<u64>),
    Mark(u64, u64),
    Status(u64),
    Errno(Vec<i64>),
    Findings(Severity),
    Code(Vec<Code>),
    Frame(Vec<(u64, u64)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Any,
    Src,
    Dst,
}

#[derive(Debug, Clone, Copy)]
struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    fn parse(s: &str) -> Result<Cidr, String> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| format!("bad address {a:?}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or(format!("bad prefix length {l:?}"))?,
            None => max,
        };
        Ok(Cidr { addr, len })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.len))
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.len))
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn num(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse::<u64>(),
    };
    r.map_err(|_| format!("bad number {s:?}"))
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn named(v: &str, e: &crate::schema::enums::Enum) -> Result<Vec<u64>, String> {
    list(v)
        .iter()
        .map(|s| e.value_of(s).map(Ok).unwrap_or_else(|| num(s)))
        .collect()
}

impl Term {
    fn parse(s: &str) -> Result<Term, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix('!') {
            let mut t = Term::parse(rest)?;
            t.negate = !t.negate;
            return Ok(t);
        }
        let (key, val) = match s.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (s, None),
        };
        let need = || val.ok_or_else(|| format!("filter {key:?} needs a value: {key}=..."));
        let test = match key {
            "kind" => Test::Kind(list(need()?)),
            "event" | "request" | "reply" | "ack" | "error" | "done" | "dump-reply"
            | "dump-request"
                if val.is_none() =>
            {
                Test::Kind(vec![key.to_string()])
            }
            "dir" => match need()? {
                "to-kernel" | "in" | "u>k" | "request" => Test::Dir(Direction::ToKernel),
                "from-kernel" | "out" | "k>u" => Test::Dir(Direction::FromKernel),
                v => return Err(format!("bad direction {v:?} (to-kernel, from-kernel)")),
            },
            "subsys" => Test::Subsys(list(need()?)),
            "msg" => Test::Msg(list(need()?)),
            "family" => Test::Family(named(need()?, &FAMILY)?),
            "proto" => Test::Proto(named(need()?, &IP_PROTO)?),
            "addr" | "src" | "dst" => {
                let which = match key {
                    "src" => Which::Src,
                    "dst" => Which::Dst,
                    _ => Which::Any,
                };
                Test::Addr(
                    which,
                    list(need()?)
                        .iter()
                        .map(|c| Cidr::parse(c))
                        .collect::<Result<_, _>>()?,
                )
            }
            "port" | "sport" | "dport" => {
                let which = match key {
                    "sport" => Which::Src,
                    "dport" => Which::Dst,
                    _ => Which::Any,
                };
                Test::Port(
                    which,
                    list(need()?)
                        .iter()
                        .map(|p| num(p))
                        .collect::<Result<_, _>>()?,
                )
            }
            "zone" => Test::Zone(
                list(need()?)
                    .iter()
                    .map(|p| num(p))
                    .collect::<Result<_, _>>()?,
            ),
            "mark" => {
                let v = need()?;
                match v.split_once('/') {
                    Some((m, k)) => Test::Mark(num(m)?, num(k)?),
                    None => Test::Mark(num(v)?, u64::from(u32::MAX)),
                }
            }
            "status" => {
                let mut bits = 0;
                for f in list(need()?) {
                    bits |= CT_STATUS
                        .value_of(&f)
                        .ok_or(format!("unknown status flag {f:?}"))?;
                }
                Test::Status(bits)
            }
            "errno" => {
                let mut v = Vec::new();
                for e in list(need()?) {
                    let n = match (1..=200u32).find(|&c| {
                        crate::schema::enums::errno(c)
                            .is_some_and(|(n, _)| n.eq_ignore_ascii_case(&e))
                    }) {
                        Some(c) => i64::from(c),
                        None => e
                            .trim_start_matches('-')
                            .parse::<i64>()
                            .map_err(|_| format!("bad errno {e:?}"))?,
                    };
                    v.push(n);
                }
                Test::Errno(v)
            }
            "findings" => Test::Findings(match val {
                None | Some("any") | Some("info") => Severity::Info,
                Some("warning") => Severity::Warning,
                Some("error") => Severity::Error,
                Some(v) => return Err(format!("bad severity {v:?} (any, info, warning, error)")),
            }),
            "code" => Test::Code(
                list(need()?)
                    .iter()
                    .map(|c| Code::from_name(c).ok_or(format!("unknown finding code {c:?}")))
                    .collect::<Result<_, _>>()?,
            ),
            "frame" => {
                let mut ranges = Vec::new();
                for v in list(need()?) {
                    ranges.push(match v.split_once('-') {
                        Some((a, b)) => (num(a)?, if b.is_empty() { u64::MAX } else { num(b)? }),
                        None => {
                            let n = num(&v)?;
                            (n, n)
                        }
                    });
                }
                Test::Frame(ranges)
            }
            _ => return Err(format!("unknown filter key {key:?}")),
        };
        Ok(Term {
            negate: false,
            test,
        })
    }
}

impl Filter {
    /// A filter that matches everything.
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Adds one `--filter` expression (ANDed with the others).
    pub fn add(&mut self, expr: &str) -> Result<(), String> {
        let e = if expr.contains(" or ") {
            Expr::Any(
                expr.split(" or ")
                    .map(Term::parse)
                    .collect::<Result<_, _>>()?,
            )
        } else {
            Expr::All(
                expr.split(" and ")
                    .map(Term::parse)
                    .collect::<Result<_, _>>()?,
            )
        };
        self.exprs.push(e);
        Ok(())
    }

    /// Whether no expression was added.
    pub fn is_empty(&self) -> bool {
        self.exprs.is_empty()
    }

    /// Whether message `msg` of `rec` (record bytes `data`, frame `frame`) passes.
    pub fn matches(&self, frame: u64, rec: &Record, data: &[u8], msg: &Message) -> bool {
        self.exprs.iter().all(|e| match e {
            Expr::All(ts) => ts.iter().all(|t| t.matches(frame, rec, data, msg)),
            Expr::Any(ts) => ts.iter().any(|t| t.matches(frame, rec, data, msg)),
        })
    }
}

impl Term {
    fn matches(&self, frame: u64, rec: &Record, data: &[u8], msg: &Message) -> bool {
        self.test.matches(frame, rec, data, msg) != self.negate
    }
}

fn top_uint(rec: &Record, msg: &Message, num: u16) -> Option<u64> {
    if !is_ct(msg) {
        return None;
    }
    rec.find(msg.attrs.clone(), num).and_then(|i| rec.uint(i))
}

fn is_ct(msg: &Message) -> bool {
    matches!(&msg.body, Body::Nf(nf) if nf.set.is_some_and(|s| std::ptr::eq(s, &ct::CONNTRACK)))
}

impl Test {
    fn matches(&self, frame: u64, rec: &Record, data: &[u8], msg: &Message) -> bool {
        let order = rec.order.unwrap_or(Endian::Little);
        let nf = match &msg.body {
            Body::Nf(nf) => Some(nf),
            _ => None,
        };
        match self {
            Test::Kind(ks) => ks.iter().any(|k| {
                let name = msg.kind.as_str();
                name == k || (k == "event" && matches!(msg.kind, Kind::Event(_)))
            }),
            Test::Dir(d) => msg.direction == *d,
            Test::Subsys(names) => nf.is_some_and(|nf| {
                names.iter().any(|n| {
                    crate::decode::subsys_name(nf.subsys) == Some(n.as_str())
                        || n.parse::<u8>().ok() == Some(nf.subsys)
                })
            }),
            Test::Msg(names) => {
                let mut full = String::new();
                crate::render::type_name(msg, &mut full);
                let short = nf.and_then(|nf| crate::decode::nf_msg_name(nf.subsys, nf.msg));
                names
                    .iter()
                    .any(|n| *n == full || Some(n.as_str()) == short)
            }
            Test::Family(fs) => nf.is_some_and(|nf| fs.contains(&u64::from(nf.nfgen.family))),
            Test::Proto(ps) => tuple_nodes(rec, msg, &ct::TUPLE_PROTO).any(|i| {
                rec.nodes.get(i).is_some_and(|n| n.num() == 1)
                    && rec.uint(i).is_some_and(|v| ps.contains(&v))
            }),
            Test::Addr(which, cidrs) => tuple_nodes(rec, msg, &ct::TUPLE_IP).any(|i| {
                let Some(n) = rec.nodes.get(i) else {
                    return false;
                };
                let is_src = matches!(n.num(), 1 | 3);
                if (*which == Which::Src && !is_src) || (*which == Which::Dst && is_src) {
                    return false;
                }
                let ip = match value_repr(n, data, order) {
                    Repr::V4(a) => IpAddr::V4(a),
                    Repr::V6(a) => IpAddr::V6(a),
                    _ => return false,
                };
                cidrs.iter().any(|c| c.contains(ip))
            }),
            Test::Port(which, ports) => tuple_nodes(rec, msg, &ct::TUPLE_PROTO).any(|i| {
                let Some(n) = rec.nodes.get(i) else {
                    return false;
                };
                let ok = match which {
                    Which::Any => matches!(n.num(), 2 | 3),
                    Which::Src => n.num() == 2,
                    Which::Dst => n.num() == 3,
                };
                ok && rec.uint(i).is_some_and(|v| ports.contains(&v))
            }),
            Test::Zone(zs) => {
                top_uint(rec, msg, 18).is_some_and(|z| zs.contains(&z))
                    || tuple_nodes(rec, msg, &ct::TUPLE).any(|i| {
                        rec.nodes.get(i).is_some_and(|n| n.num() == 3)
                            && rec.uint(i).is_some_and(|z| zs.contains(&z))
                    })
            }
            Test::Mark(m, mask) => top_uint(rec, msg, 8).is_some_and(|v| v & mask == m & mask),
            Test::Status(bits) => top_uint(rec, msg, 3).is_some_and(|v| v & bits == *bits),
            Test::Errno(es) => match msg.body {
                Body::Error { error, .. } if error != 0 => es.contains(&i64::from(error).abs()),
                Body::Done { status: Some(s) } if s < 0 => es.contains(&i64::from(s).abs()),
                _ => false,
            },
            Test::Findings(sev) => rec
                .findings
                .get(msg.findings.clone())
                .unwrap_or(&[])
                .iter()
                .any(|f| f.severity >= *sev),
            Test::Code(codes) => rec
                .findings
                .get(msg.findings.clone())
                .unwrap_or(&[])
                .iter()
                .any(|f| codes.contains(&f.code)),
            Test::Frame(rs) => rs.iter().any(|(a, b)| (*a..=*b).contains(&frame)),
        }
    }
}

/// Indices of the nodes of `msg` (and its echoed request) decoded in `set`.
fn tuple_nodes<'r>(
    rec: &'r Record,
    msg: &Message,
    set: &'static crate::schema::AttrSet,
) -> impl Iterator<Item = usize> + 'r {
    let echo = match &msg.body {
        Body::Error { echo: Some(e), .. } => e.attrs.clone(),
        _ => 0..0,
    };
    msg.attrs
        .clone()
        .chain(echo)
        .filter(move |&i| rec.nodes.get(i).is_some_and(|n| std::ptr::eq(n.set, set)))
}
