//! `--diff` (issue 16): what changed in the conntrack table between two complete
//! dumps (the replies of one dump request, up to its NLMSG_DONE), in one capture or
//! in two.
//!
//! Every complete dump counts, also a filtered one (`conntrack -L -p tcp`, `-f
//! ipv6`): choose the dumps to compare. Entries are matched as `--flows` matches them: by id (CTA_ID) where the dump
//! carries it, else by original tuple and zone. An entry is added (only in the
//! second dump), removed (only in the first) or changed: its state, status bits,
//! reply tuple (NAT), mark, labels, helper, zone, secmark differ. The timeout, the
//! use count and the counters change on their own between any two dumps and are
//! not compared.
//!
//! Memory: a first pass keeps only a hash of each entry's key and fields (12 bytes
//! an entry: [`Collector::compact`]); a second pass over the capture collects the
//! entries that differ ([`Collector::want`]). A 32-bit hash of the fields: one
//! change in four billion could go unseen.

use crate::capture::FrameMeta;
use crate::flows::{status_names, tuple_text};
use crate::model::{Direction, Kind};
use crate::render::conntrack::{ConntrackRenderer, CtOutput, CtVersion};
use crate::schema::paths;
use crate::view::{Msg, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

/// One entry of a dump: its conntrack line and the fields compared.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// CTA_ID, when the dump carries it.
    pub id: Option<u64>,
    /// The original tuple (`src:sport -> dst:dport`).
    pub orig: String,
    /// What `conntrack -L -o id` prints for it.
    pub line: String,
    /// The compared fields by name.
    pub fields: BTreeMap<&'static str, String>,
}

/// A complete dump.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dump {
    /// Its number in the capture (1-based, in the order the dumps completed).
    pub n: u64,
    /// The frames of its first reply and of its NLMSG_DONE.
    pub frames: (u64, u64),
    /// The portid its replies carry.
    pub portid: u32,
    /// How many entries it listed.
    pub count: u64,
    /// Its entries by key (id, else tuple and zone): all of them, or with
    /// [`Collector::compact`] only those [`Collector::want`] asks for.
    #[serde(skip)]
    pub entries: BTreeMap<String, Entry>,
    /// With [`Collector::compact`]: the hash of the key (two words, high first) and
    /// the hash of the fields of every entry, sorted by key: 12 bytes an entry.
    #[serde(skip)]
    pub keys: Vec<[u32; 3]>,
}

/// A 64-bit hash of `v` (the standard library's SipHash with fixed keys: the same
/// in both passes and for both captures).
fn hash<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Which dump of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The n-th complete dump (1-based).
    Nth(u64),
    /// The complete dump that holds this frame.
    Frame(u64),
    /// The last complete dump.
    Last,
}

impl Pick {
    /// `N` (the n-th dump), `@F` (the dump holding frame F) or `last`.
    pub fn parse(s: &str) -> Result<Pick, String> {
        let s = s.trim();
        if s == "last" {
            return Ok(Pick::Last);
        }
        if let Some(f) = s.strip_prefix('@') {
            return f
                .parse()
                .map(Pick::Frame)
                .map_err(|_| format!("{s:?}: a frame number after @"));
        }
        match s.parse() {
            Ok(0) | Err(_) => Err(format!("{s:?}: a dump number from 1, @FRAME or last")),
            Ok(n) => Ok(Pick::Nth(n)),
        }
    }
}

/// Collects the complete dumps of a capture that `picks` choose.
#[derive(Debug)]
pub struct Collector {
    picks: Vec<Pick>,
    renderer: ConntrackRenderer,
    /// Dumps in progress by the portid of their replies (a GET's lone multipart
    /// reply opens one that never completes: the oldest beyond 16 are dropped).
    open: Vec<(u32, Dump)>,
    done: u64,
    /// The dumps chosen, by pick (in the order of `picks`).
    pub chosen: Vec<Option<Dump>>,
    /// Keep only key and field hashes (the first pass of a bounded diff).
    compact: bool,
    /// Second pass: full entries of these keys only, from the dump whose replies
    /// carry this portid within these frames.
    want: Option<(u32, (u64, u64), std::collections::HashSet<u64>)>,
}

impl Collector {
    /// A collector of the dumps `picks` name.
    pub fn new(picks: Vec<Pick>) -> Collector {
        let n = picks.len();
        Collector {
            picks,
            renderer: ConntrackRenderer::new(
                CtOutput {
                    id: true,
                    version: CtVersion::V1_4_9,
                    ..CtOutput::default()
                },
                true,
            ),
            open: Vec::new(),
            done: 0,
            chosen: vec![None; n],
            compact: false,
            want: None,
        }
    }

    /// A collector that keeps only hashes of each entry's key and fields.
    pub fn compact(picks: Vec<Pick>) -> Collector {
        Collector {
            compact: true,
            ..Collector::new(picks)
        }
    }

    /// A collector of the full entries with key hashes `keys` of the dump `d` (as
    /// a compact collector found it): the second pass.
    pub fn want(d: &Dump, keys: std::collections::HashSet<u64>) -> Collector {
        Collector {
            want: Some((d.portid, d.frames, keys)),
            ..Collector::new(vec![Pick::Nth(d.n)])
        }
    }

    /// Takes one message into account.
    pub fn observe(&mut self, frame: &FrameMeta, msg: &Msg<'_>) {
        if msg.direction() != Direction::FromKernel {
            return;
        }
        let portid = msg.header().portid;
        match msg.kind() {
            Kind::DumpReply if msg.nf().is_some_and(|n| n.subsys == 1 && n.msg == 0) => {
                if !self.open.iter().any(|(p, _)| *p == portid) {
                    if self.open.len() >= 16 {
                        self.open.remove(0);
                    }
                    self.open.push((
                        portid,
                        Dump {
                            frames: (frame.number, frame.number),
                            portid,
                            ..Dump::default()
                        },
                    ));
                }
                let Some((key, mut e)) = entry(Scope::Msg(*msg)) else {
                    return;
                };
                let compact = self.compact;
                let wanted = match &self.want {
                    None => true,
                    Some((p, (a, b), keys)) => {
                        *p == portid
                            && (*a..=*b).contains(&frame.number)
                            && keys.contains(&hash(&key))
                    }
                };
                if wanted && !compact {
                    if let crate::render::conntrack::LineKind::Conntrack =
                        self.renderer.format(frame, msg)
                    {
                        e.line = self.renderer.line().to_string();
                    }
                }
                if let Some((_, d)) = self.open.iter_mut().find(|(p, _)| *p == portid) {
                    d.count += 1;
                    if compact {
                        let k = hash(&key);
                        d.keys
                            .push([(k >> 32) as u32, k as u32, hash(&e.fields) as u32]);
                    } else if wanted {
                        d.entries.insert(key, e);
                    }
                }
            }
            Kind::Done => {
                let Some(i) = self.open.iter().position(|(p, _)| *p == portid) else {
                    return;
                };
                let (_, mut d) = self.open.remove(i);
                self.done += 1;
                d.n = self.done;
                d.frames.1 = frame.number;
                d.keys.sort_unstable();
                d.keys.shrink_to_fit();
                let take: Vec<usize> = self
                    .picks
                    .iter()
                    .enumerate()
                    .filter(|(_, pick)| match **pick {
                        Pick::Nth(n) => n == d.n,
                        Pick::Frame(f) => (d.frames.0..=d.frames.1).contains(&f),
                        Pick::Last => true,
                    })
                    .map(|(i, _)| i)
                    .collect();
                // Moved into the last slot that takes it, copied into the others.
                if let Some((&last, rest)) = take.split_last() {
                    for &i in rest {
                        if let Some(slot) = self.chosen.get_mut(i) {
                            *slot = Some(d.clone());
                        }
                    }
                    if let Some(slot) = self.chosen.get_mut(last) {
                        *slot = Some(d);
                    }
                }
            }
            _ => {}
        }
    }

    /// Complete dumps seen.
    pub fn dumps(&self) -> u64 {
        self.done
    }
}

/// The key and compared fields of a dumped entry.
fn entry(s: Scope<'_>) -> Option<(String, Entry)> {
    let orig = s.at(&paths::TUPLE_ORIG)?;
    let uint = |p: &crate::schema::AttrPath| s.at(p).and_then(|a| a.uint());
    let id = uint(&paths::ID);
    let zone = uint(&paths::ZONE);
    let proto = orig
        .at(&paths::PROTO_NUM)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let orig_text = tuple_text(Some(orig));
    let key = match id {
        Some(id) => format!("id {id}"),
        None => format!("{proto} {orig_text} zone={}", zone.unwrap_or(0)),
    };
    let mut fields = BTreeMap::new();
    let state = s
        .at(&paths::TCP_STATE)
        .or_else(|| s.at(&paths::SCTP_STATE))
        .or_else(|| s.at(&paths::DCCP_STATE));
    if let Some(a) = state {
        fields.insert("state", a.to_string());
    }
    if let Some(v) = uint(&paths::STATUS) {
        fields.insert("status", status_names(s.at(&paths::STATUS), v).join(","));
    }
    if let Some(t) = s.at(&paths::TUPLE_REPLY) {
        fields.insert("reply", tuple_text(Some(t)));
    }
    for (name, p) in [
        ("mark", &paths::MARK),
        ("zone", &paths::ZONE),
        ("secmark", &paths::SECMARK),
    ] {
        if let Some(v) = uint(p) {
            fields.insert(name, v.to_string());
        }
    }
    for (name, p) in [("labels", &paths::LABELS), ("helper", &paths::HELP_NAME)] {
        if let Some(a) = s.at(p) {
            fields.insert(name, a.to_string());
        }
    }
    Some((
        key,
        Entry {
            id,
            orig: format!("{proto} {orig_text}"),
            line: String::new(),
            fields,
        },
    ))
}

/// One difference between two dumps.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "diff", rename_all = "kebab-case")]
pub enum Change {
    /// Only in the second dump.
    Added {
        /// The entry.
        entry: Entry,
    },
    /// Only in the first dump.
    Removed {
        /// The entry.
        entry: Entry,
    },
    /// In both, with different fields: name -> [before, after] (`null`: absent).
    Changed {
        /// The entry as in the second dump.
        entry: Entry,
        /// The fields that differ.
        fields: BTreeMap<&'static str, [Option<String>; 2]>,
    },
}

/// The differences from dump `a` to dump `b`: removed, then changed, then added,
/// each in key order.
pub fn diff(a: &Dump, b: &Dump) -> Vec<Change> {
    let mut out = Vec::new();
    for (k, e) in &a.entries {
        if !b.entries.contains_key(k) {
            out.push(Change::Removed { entry: e.clone() });
        }
    }
    for (k, e) in &b.entries {
        let Some(old) = a.entries.get(k) else {
            continue;
        };
        let mut fields = BTreeMap::new();
        for name in old.fields.keys().chain(e.fields.keys()) {
            let (x, y) = (old.fields.get(name), e.fields.get(name));
            if x != y {
                fields.insert(*name, [x.cloned(), y.cloned()]);
            }
        }
        if !fields.is_empty() {
            out.push(Change::Changed {
                entry: e.clone(),
                fields,
            });
        }
    }
    for (k, e) in &b.entries {
        if !a.entries.contains_key(k) {
            out.push(Change::Added { entry: e.clone() });
        }
    }
    out
}

/// The key hashes that differ between two compact dumps: (only in `a`, in both
/// with other fields, only in `b`).
pub fn differing(a: &Dump, b: &Dump) -> [std::collections::HashSet<u64>; 3] {
    use std::collections::HashSet;
    let (mut removed, mut changed, mut added) = (HashSet::new(), HashSet::new(), HashSet::new());
    let key = |e: &[u32; 3]| u64::from(e[0]) << 32 | u64::from(e[1]);
    let (mut i, mut j) = (0, 0);
    let (x, y) = (&a.keys, &b.keys);
    loop {
        match (x.get(i), y.get(j)) {
            (Some(p), Some(q)) if key(p) == key(q) => {
                if p[2] != q[2] {
                    changed.insert(key(p));
                }
                i += 1;
                j += 1;
            }
            (Some(p), Some(q)) if key(p) < key(q) => {
                removed.insert(key(p));
                i += 1;
            }
            (Some(_), Some(q)) => {
                added.insert(key(q));
                j += 1;
            }
            (Some(p), None) => {
                removed.insert(key(p));
                i += 1;
            }
            (None, Some(q)) => {
                added.insert(key(q));
                j += 1;
            }
            (None, None) => break,
        }
    }
    [removed, changed, added]
}

/// The text form of a change: `+ LINE`, `- LINE`, `~ LINE` then `    field: a -> b`.
pub fn change_text(c: &Change) -> String {
    let esc = |s: &str| crate::view::escape::escape(s.as_bytes()).to_string();
    match c {
        Change::Added { entry } => format!("+ {}\n", esc(&entry.line)),
        Change::Removed { entry } => format!("- {}\n", esc(&entry.line)),
        Change::Changed { entry, fields } => {
            let mut s = format!("~ {}\n", esc(&entry.line));
            for (name, [a, b]) in fields {
                s.push_str(&format!(
                    "    {name}: {} -> {}\n",
                    esc(a.as_deref().unwrap_or("(none)")),
                    esc(b.as_deref().unwrap_or("(none)"))
                ));
            }
            s
        }
    }
}
