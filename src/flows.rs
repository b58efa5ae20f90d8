//! `--flows` (issue 16): every message about one conntrack entry stitched into one
//! record, its timeline.
//!
//! An entry is keyed by its id (CTA_ID) where the message has one, else by its
//! original tuple and zone; a message without an id finds the entry alive under
//! that tuple. Sightings: dump replies, events (NEW / UPDATE / DESTROY), requests
//! about an entry alive in the capture (GET, NEW as an update, DELETE), and the
//! entry carried by NFQUEUE / NFLOG packets. Each sighting that changes something
//! is a step of the history: state, status bits gained and lost, the reply tuple
//! (NAT), mark, labels, helper, and the counters at that sighting.
//!
//! An entry ends with its DESTROY event, with a DELETE request not followed by one
//! (when no listener was there to see it), by vanishing from a full dump (a dump
//! without a filter) that followed one it was in, or is still alive at the end of
//! the capture. Anomalies: an UPDATE or DESTROY with no NEW seen, a NEW for an id
//! already alive, an original tuple already used by another alive id, an entry
//! first seen in a dump while a listener was receiving events (its NEW was lost).
//!
//! Memory: ended entries are handed out ([`FlowTracker::pop_ended`]) and dropped;
//! at most [`MAX_ALIVE`] are kept alive (beyond, the one seen longest ago is
//! written out, [`End::Evicted`]); [`FlowTracker::max_alive`] says how many were
//! alive at most. The copies of one event that several listeners received (the
//! same bytes) count once.

use crate::capture::FrameMeta;
use crate::model::{Direction, EventKind, Kind};
use crate::schema::enums::Flags;
use crate::schema::{paths, AttrPath, Display};
use crate::view::{flag_iter, Attr, Msg, Scope};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// At most this many steps are kept per entry (the rest are counted).
pub const MAX_HISTORY: usize = 256;

/// Ended entries remembered (to tell an entry seen again after its end).
pub const MAX_ENDED: usize = 4096;

/// Entries kept alive at once; beyond, the one seen longest ago is written out
/// ([`End::Evicted`]): memory stays bounded whatever the table's size.
pub const MAX_ALIVE: usize = 4096;

/// Where and when an entry was seen.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Seen {
    /// Frame number.
    pub frame: u64,
    /// Capture time since the epoch (nanoseconds in JSON).
    #[serde(rename = "ts_ns", serialize_with = "ns")]
    pub ts: Duration,
}

fn ns<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_nanos() as u64)
}

/// Sightings by kind.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Sightings {
    /// Dump replies (and replies to a GET).
    pub dump: u64,
    /// NEW events.
    pub new: u64,
    /// UPDATE events.
    pub update: u64,
    /// DESTROY events.
    pub destroy: u64,
    /// Requests about the entry.
    pub request: u64,
    /// NFQUEUE / NFLOG packets carrying it.
    pub packet: u64,
}

impl Sightings {
    /// All sightings.
    pub fn total(&self) -> u64 {
        self.dump + self.new + self.update + self.destroy + self.request + self.packet
    }
}

/// One sighting that changed something.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    /// Where.
    #[serde(flatten)]
    pub at: Seen,
    /// What the message was (`dump`, `event-new`, `request`, `packet`, ...).
    pub by: &'static str,
    /// What changed, as `field old -> new`, `+status-bit`, `-status-bit`, and the
    /// counters as `counters orig P/B reply P/B`.
    pub changes: Vec<String>,
}

/// How an entry ended.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum End {
    /// Its DESTROY event.
    Destroy {
        /// The event's frame.
        frame: u64,
    },
    /// A DELETE request, with no DESTROY seen after it.
    Delete {
        /// The request's frame.
        frame: u64,
    },
    /// Missing from a full dump after it had been in one.
    Vanished {
        /// The last frame it was seen in.
        last: u64,
        /// The frame of the dump's NLMSG_DONE it was missing from.
        dump: u64,
    },
    /// Still alive, written out early: more than [`MAX_ALIVE`] entries were alive
    /// and it was the one seen longest ago.
    Evicted {
        /// The last frame it was seen in.
        last: u64,
    },
    /// Still alive at the end of the capture.
    Alive,
}

/// One conntrack entry's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// CTA_ID, when the messages carry it.
    pub id: Option<u64>,
    /// The nfgenmsg family (`ipv4`, `ipv6`).
    pub family: String,
    /// Layer-4 protocol name or number.
    pub proto: String,
    /// The original tuple: `src:sport -> dst:dport` (ICMP: `type/code/id`).
    pub orig: String,
    /// The reply tuple, last seen.
    pub reply: String,
    /// CTA_ZONE, when set.
    pub zone: Option<u64>,
    /// First and last sighting.
    pub first: Seen,
    /// Last sighting.
    pub last: Seen,
    /// Sightings by kind.
    pub seen: Sightings,
    /// Protocol states in order (consecutive repeats once).
    pub states: Vec<String>,
    /// The steps that changed something.
    pub history: Vec<Step>,
    /// Steps not kept beyond [`MAX_HISTORY`].
    pub history_dropped: u64,
    /// How it ended.
    pub end: End,
    /// What looked wrong.
    pub anomalies: Vec<String>,
    #[serde(skip)]
    cur: Snapshot,
    #[serde(skip)]
    delete_requested: Option<u64>,
    #[serde(skip)]
    in_full_dump: bool,
    /// Its first sighting was a dump reply.
    #[serde(skip)]
    first_in_dump: bool,
    /// The frame of the create request that made it, when seen.
    #[serde(skip)]
    created: Option<u64>,
    /// The counters last written to the history.
    #[serde(skip)]
    counters: Option<String>,
    /// The last full dump that listed it.
    #[serde(skip)]
    listed_in: u64,
    /// Its original tuple + zone (the key of [`FlowTracker::by_tuple`]).
    #[serde(skip)]
    tuple: String,
}

/// The values of an entry that the history follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Snapshot {
    state: Option<String>,
    status: Option<u64>,
    reply: Option<String>,
    mark: Option<u64>,
    labels: Option<String>,
    helper: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Id(u64),
    Tuple(String),
}

/// A dump in progress: its replies' portid, whether it was unfiltered, the
/// entries it listed.
#[derive(Debug)]
struct Dump {
    portid: u32,
    full: bool,
    /// Its number (the entries it lists carry it).
    n: u64,
}

/// Stitches messages into flows.
#[derive(Debug, Default)]
pub struct FlowTracker {
    alive: HashMap<Key, Flow>,
    /// Original tuple + zone -> key of the alive entry using it.
    by_tuple: HashMap<String, Key>,
    ended: VecDeque<Flow>,
    recent: VecDeque<u64>,
    recent_set: HashSet<u64>,
    /// Frames of the first and the last event seen.
    events: Option<(u64, u64)>,
    /// Original tuple + zone -> frame of a create request for it, not yet seen.
    created: HashMap<String, u64>,
    /// Recently ended entries: key -> the frame of their end (at most
    /// [`MAX_ENDED`], the oldest forgotten).
    ended_keys: HashMap<Key, u64>,
    ended_order: VecDeque<Key>,
    /// Keys in the order they were last seen (with the frame; stale entries are
    /// skipped): the eviction order.
    touched: VecDeque<(Key, u64)>,
    /// The last dump request: (seq, unfiltered).
    dump_request: Option<(u32, bool)>,
    dump: Option<Dump>,
    /// Dumps seen.
    dumps: u64,
    /// Most entries alive at once.
    pub max_alive: usize,
    /// Requests about no entry alive in the capture.
    pub unattached_requests: u64,
    /// Entries handed out by [`FlowTracker::pop_ended`].
    pub written: u64,
    /// Per second of capture time: the entries alive (most in that second) and the
    /// events by kind, for the picture (`--svg`).
    pub series: std::collections::BTreeMap<u64, Bucket>,
    /// The longest entries, anomalous ones first (at most [`NOTABLE`]).
    pub notable: Vec<Flow>,
}

/// One second of [`FlowTracker::series`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Most entries alive during the second.
    pub alive: u64,
    /// NEW events.
    pub new: u64,
    /// UPDATE events.
    pub update: u64,
    /// DESTROY events.
    pub destroy: u64,
}

/// Entries kept for the picture.
pub const NOTABLE: usize = 16;

/// Seconds kept in [`FlowTracker::series`] (about a day; later ones are dropped).
pub const MAX_SECONDS: usize = 100_000;

fn text(a: Option<Attr<'_>>) -> Option<String> {
    a.map(|a| a.to_string())
}

fn uint(s: Scope<'_>, p: &AttrPath) -> Option<u64> {
    s.at(p).and_then(|a| a.uint())
}

/// `src:sport -> dst:dport` of tuple `t` (ICMP: `src -> dst type/code/id`).
pub(crate) fn tuple_text(t: Option<Attr<'_>>) -> String {
    let Some(t) = t else {
        return "?".into();
    };
    let addr = |v4: &AttrPath, v6: &AttrPath| {
        text(t.at(v4).or_else(|| t.at(v6))).unwrap_or_else(|| "?".into())
    };
    let (src, dst) = (
        addr(&paths::IP_V4_SRC, &paths::IP_V6_SRC),
        addr(&paths::IP_V4_DST, &paths::IP_V6_DST),
    );
    let port = |p: &AttrPath| t.at(p).and_then(|a| a.uint());
    match (port(&paths::SRC_PORT), port(&paths::DST_PORT)) {
        (Some(s), Some(d)) => format!("{src}:{s} -> {dst}:{d}"),
        _ => {
            let icmp = |a: &AttrPath, b: &AttrPath| port(a).or_else(|| port(b));
            match (
                icmp(&paths::ICMP_TYPE, &paths::ICMPV6_TYPE),
                icmp(&paths::ICMP_CODE, &paths::ICMPV6_CODE),
                icmp(&paths::ICMP_ID, &paths::ICMPV6_ID),
            ) {
                (Some(ty), Some(c), Some(id)) => format!("{src} -> {dst} {ty}/{c}/{id}"),
                _ => format!("{src} -> {dst}"),
            }
        }
    }
}

/// The flag names of `bits` of the entry's status attribute.
pub(crate) fn status_names(a: Option<Attr<'_>>, bits: u64) -> Vec<String> {
    let flags: Option<&'static Flags> = a.and_then(|a| a.def()).and_then(|d| match d.display {
        Display::Flags(f) => Some(f),
        _ => None,
    });
    match flags {
        Some(f) => flag_iter(f, bits)
            .map(|n| match n {
                Ok(n) => n.to_string(),
                Err(b) => format!("{b:#x}"),
            })
            .collect(),
        None => vec![format!("{bits:#x}")],
    }
}

impl FlowTracker {
    /// A tracker with nothing seen.
    pub fn new() -> FlowTracker {
        FlowTracker::default()
    }

    /// Whether these message bytes were seen among the last events (a copy that
    /// another listener received).
    fn duplicate(&mut self, bytes: &[u8]) -> bool {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        let h = h.finish();
        if self.recent_set.contains(&h) {
            return true;
        }
        self.recent.push_back(h);
        self.recent_set.insert(h);
        if self.recent.len() > 256 {
            if let Some(old) = self.recent.pop_front() {
                self.recent_set.remove(&old);
            }
        }
        false
    }

    /// Takes one message into account.
    pub fn observe(&mut self, frame: &FrameMeta, msg: &Msg<'_>) {
        let at = Seen {
            frame: frame.number,
            ts: frame.ts,
        };
        let Some(nf) = msg.nf() else {
            if msg.kind() == Kind::Done && msg.direction() == Direction::FromKernel {
                self.dump_done(msg.header().portid, at);
            }
            return;
        };
        let family = crate::schema::enums::FAMILY
            .name_of(u64::from(nf.nfgen.family))
            .unwrap_or("?")
            .to_string();
        match (nf.subsys, nf.set.map(|s| s.name)) {
            (1, Some("conntrack")) => {}
            (3 | 4, _) if msg.kind() == Kind::Packet => {
                if let Some(ct) = msg.at(&paths::QUEUE_CT).or_else(|| msg.at(&paths::LOG_CT)) {
                    self.sighting(Scope::Nest(ct), at, "packet", family);
                }
                return;
            }
            _ => return,
        }
        let scope = Scope::Msg(*msg);
        match msg.kind() {
            Kind::DumpRequest => {
                // A dump of one family, or with attributes (a filter, a mark, a
                // zone), lists part of the table.
                let full = nf.nfgen.family == 0 && msg.attrs().next().is_none();
                self.dump_request = Some((msg.header().seq, full));
            }
            Kind::Request => self.request(scope, msg, at),
            Kind::DumpReply | Kind::Reply => {
                let portid = msg.header().portid;
                if self.dump.as_ref().is_none_or(|d| d.portid != portid) {
                    let full = self
                        .dump_request
                        .is_some_and(|(seq, full)| full && seq == msg.header().seq);
                    self.dumps += 1;
                    self.dump = Some(Dump {
                        portid,
                        full: full && msg.kind() == Kind::DumpReply,
                        n: self.dumps,
                    });
                }
                self.sighting(scope, at, "dump", family);
            }
            Kind::Event(k) => {
                let bytes = msg
                    .data()
                    .get(msg.message().offset..msg.message().payload.end)
                    .unwrap_or(&[]);
                if self.duplicate(bytes) {
                    return;
                }
                let n = at.frame;
                self.events = Some(self.events.map_or((n, n), |(a, _)| (a, n)));
                let by = match k {
                    EventKind::New => "event-new",
                    EventKind::Update => "event-update",
                    EventKind::Destroy => "event-destroy",
                };
                self.sighting(scope, at, by, family);
            }
            _ => {}
        }
    }

    fn key_of(&self, scope: Scope<'_>) -> Option<(Key, String)> {
        let orig = scope.at(&paths::TUPLE_ORIG)?;
        let tuple = format!(
            "{} {} zone={}",
            text(orig.at(&paths::PROTO_NUM)).unwrap_or_default(),
            tuple_text(Some(orig)),
            uint(scope, &paths::ZONE).unwrap_or(0)
        );
        let key = match uint(scope, &paths::ID) {
            Some(id) => Key::Id(id),
            None => self
                .by_tuple
                .get(&tuple)
                .cloned()
                .unwrap_or(Key::Tuple(tuple.clone())),
        };
        Some((key, tuple))
    }

    /// A request: attached to the entry alive under its id or tuple.
    fn request(&mut self, scope: Scope<'_>, msg: &Msg<'_>, at: Seen) {
        let Some((key, _)) = self.key_of(scope) else {
            return;
        };
        let delete = msg.nf().is_some_and(|n| n.msg == 2);
        let Some(f) = self.alive.get_mut(&key) else {
            self.unattached_requests += 1;
            // A create request for an entry not seen yet: when it was made.
            if msg.nf().is_some_and(|n| n.msg == 0) {
                if let Some((_, tuple)) = self.key_of(scope) {
                    if self.created.len() >= MAX_ENDED {
                        // A hint only: forget them all rather than grow.
                        self.created.clear();
                    }
                    self.created.entry(tuple).or_insert(at.frame);
                }
            }
            return;
        };
        f.seen.request += 1;
        f.last = at;
        if delete {
            f.delete_requested = Some(at.frame);
            push(f, at, "request", vec!["delete requested".into()]);
        }
    }

    /// A sighting of the entry in `scope`; returns its key.
    fn sighting(
        &mut self,
        scope: Scope<'_>,
        at: Seen,
        by: &'static str,
        family: String,
    ) -> Option<Key> {
        let (key, tuple) = self.key_of(scope)?;
        let orig = scope.at(&paths::TUPLE_ORIG);
        let snap = Snapshot {
            state: text(
                scope
                    .at(&paths::TCP_STATE)
                    .or_else(|| scope.at(&paths::SCTP_STATE))
                    .or_else(|| scope.at(&paths::DCCP_STATE)),
            ),
            status: uint(scope, &paths::STATUS),
            reply: scope.at(&paths::TUPLE_REPLY).map(|t| tuple_text(Some(t))),
            mark: uint(scope, &paths::MARK),
            labels: text(scope.at(&paths::LABELS)),
            helper: scope.at(&paths::HELP_NAME).map(|a| {
                let b = a.bytes();
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                crate::view::escape::escape(b.get(..end).unwrap_or(&[])).to_string()
            }),
        };
        let counters = |p: &AttrPath| {
            scope.at(p).map(|c| {
                let v = |a: &AttrPath, b: &AttrPath| {
                    c.at(a)
                        .or_else(|| c.at(b))
                        .and_then(|x| x.uint())
                        .unwrap_or(0)
                };
                format!(
                    "{}/{}",
                    v(&paths::PACKETS, &paths::PACKETS_OLD),
                    v(&paths::BYTES, &paths::BYTES_OLD)
                )
            })
        };
        let counters = match (
            counters(&paths::COUNTERS_ORIG),
            counters(&paths::COUNTERS_REPLY),
        ) {
            (Some(o), Some(r)) => Some(format!("counters orig {o} reply {r}")),
            (Some(o), None) => Some(format!("counters orig {o}")),
            _ => None,
        };
        let new = by == "event-new";
        let is_new_flow = !self.alive.contains_key(&key);
        if is_new_flow {
            let mut anomalies = Vec::new();
            match by {
                "event-update" => anomalies.push("update event with no NEW seen".to_string()),
                "event-destroy" => anomalies.push("destroy event with no NEW seen".to_string()),
                _ => {}
            }
            if let Some(end) = self.ended_keys.get(&key) {
                anomalies.push(format!(
                    "seen again after it ended at frame {end} (messages out of order, or the id reused)"
                ));
            }
            if let Some(other) = self.by_tuple.get(&tuple) {
                if *other != key {
                    anomalies.push(format!(
                        "original tuple in use by another alive entry{}",
                        match other {
                            Key::Id(id) => format!(" (id {id})"),
                            Key::Tuple(_) => String::new(),
                        }
                    ));
                }
            }
            let f = Flow {
                id: match key {
                    Key::Id(id) => Some(id),
                    Key::Tuple(_) => None,
                },
                family,
                proto: orig
                    .and_then(|o| text(o.at(&paths::PROTO_NUM)))
                    .unwrap_or_else(|| "?".into()),
                orig: tuple_text(orig),
                reply: snap.reply.clone().unwrap_or_default(),
                zone: uint(scope, &paths::ZONE),
                first: at,
                last: at,
                seen: Sightings::default(),
                states: Vec::new(),
                history: Vec::new(),
                history_dropped: 0,
                end: End::Alive,
                anomalies,
                cur: Snapshot::default(),
                delete_requested: None,
                in_full_dump: false,
                first_in_dump: by == "dump",
                created: self.created.remove(&tuple),
                counters: None,
                listed_in: 0,
                tuple: tuple.clone(),
            };
            self.by_tuple.entry(tuple.clone()).or_insert(key.clone());
            self.alive.insert(key.clone(), f);
            self.max_alive = self.max_alive.max(self.alive.len());
        }
        let full_dump = match &self.dump {
            Some(d) if by == "dump" && d.full => Some(d.n),
            _ => None,
        };
        let f = self.alive.get_mut(&key)?;
        // (A NEW after dump sightings only is a late delivery, not a second NEW.)
        if new && !is_new_flow && f.seen.new > 0 {
            f.anomalies.push(format!(
                "second NEW event at frame {} for an entry alive since frame {}",
                at.frame, f.first.frame
            ));
        }
        match by {
            "dump" => f.seen.dump += 1,
            "event-new" => f.seen.new += 1,
            "event-update" => f.seen.update += 1,
            "event-destroy" => f.seen.destroy += 1,
            "packet" => f.seen.packet += 1,
            _ => {}
        }
        f.last = at;
        if let Some(n) = full_dump {
            f.in_full_dump = true;
            f.listed_in = n;
        }
        self.touched.push_back((key.clone(), at.frame));
        // What changed.
        let mut changes = Vec::new();
        let old = f.cur.clone();
        let mut field = |name: &str, a: &Option<String>, b: &Option<String>| {
            if b.is_some() && a != b {
                changes.push(match a {
                    Some(a) => format!("{name} {a} -> {}", b.as_deref().unwrap_or("")),
                    None => format!("{name} {}", b.as_deref().unwrap_or("")),
                });
            }
        };
        field("state", &old.state, &snap.state);
        field("reply", &old.reply, &snap.reply);
        field(
            "mark",
            &old.mark.map(|m| m.to_string()),
            &snap.mark.map(|m| m.to_string()),
        );
        field("labels", &old.labels, &snap.labels);
        field("helper", &old.helper, &snap.helper);
        if let Some(s) = snap.status {
            let before = old.status.unwrap_or(0);
            let status = scope.at(&paths::STATUS);
            let mut bits: Vec<String> = status_names(status, s & !before)
                .into_iter()
                .map(|n| format!("+{n}"))
                .collect();
            if old.status.is_some() {
                bits.extend(
                    status_names(status, before & !s)
                        .into_iter()
                        .map(|n| format!("-{n}")),
                );
            }
            if !bits.is_empty() {
                changes.push(bits.join(" "));
            }
        }
        if let Some(st) = &snap.state {
            if f.states.last() != Some(st) {
                f.states.push(st.clone());
            }
        }
        if let Some(r) = &snap.reply {
            f.reply = r.clone();
        }
        // Values a message leaves out stay what they were.
        let merged = Snapshot {
            state: snap.state.or(old.state),
            status: snap.status.or(old.status),
            reply: snap.reply.or(old.reply),
            mark: snap.mark.or(old.mark),
            labels: snap.labels.or(old.labels),
            helper: snap.helper.or(old.helper),
        };
        f.cur = merged;
        // The counters at each sighting where they changed (and at the end).
        if let Some(c) = counters {
            if f.counters.as_ref() != Some(&c) || by == "event-destroy" {
                changes.push(c.clone());
                f.counters = Some(c);
            }
        }
        if !changes.is_empty() || by.starts_with("event") {
            push(f, at, by, changes);
        }
        if by == "event-destroy" {
            f.end = End::Destroy { frame: at.frame };
            self.end(&key);
        }
        self.evict(&key);
        self.tick(at.ts, by);
        Some(key)
    }

    /// Writes out the entries seen longest ago while more than [`MAX_ALIVE`] are
    /// alive (never `keep`, the one just seen).
    fn evict(&mut self, keep: &Key) {
        while self.alive.len() > MAX_ALIVE {
            let Some((k, frame)) = self.touched.pop_front() else {
                break;
            };
            let stale = self.alive.get(&k).is_none_or(|f| f.last.frame != frame);
            if stale || &k == keep {
                continue;
            }
            if let Some(f) = self.alive.get_mut(&k) {
                f.end = End::Evicted { last: f.last.frame };
            }
            self.end(&k);
        }
        // Drop stale touches so that the queue stays near the alive count.
        if self.touched.len() > 4 * MAX_ALIVE.max(self.alive.len()) {
            let alive = &self.alive;
            self.touched
                .retain(|(k, fr)| alive.get(k).is_some_and(|f| f.last.frame == *fr));
        }
    }

    /// The NLMSG_DONE of a dump: entries of an earlier full dump missing from this
    /// full one have vanished.
    fn dump_done(&mut self, portid: u32, at: Seen) {
        let Some(d) = self.dump.take_if(|d| d.portid == portid) else {
            return;
        };
        if !d.full {
            return;
        }
        let gone: Vec<Key> = self
            .alive
            .iter()
            .filter(|(_, f)| f.in_full_dump && f.listed_in != d.n && f.last.frame < at.frame)
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(f) = self.alive.get_mut(&k) {
                f.end = match f.delete_requested {
                    Some(frame) => End::Delete { frame },
                    None => End::Vanished {
                        last: f.last.frame,
                        dump: at.frame,
                    },
                };
            }
            self.end(&k);
        }
    }

    fn end(&mut self, key: &Key) {
        if let Some(mut f) = self.alive.remove(key) {
            if self.by_tuple.get(&f.tuple) == Some(key) {
                self.by_tuple.remove(&f.tuple);
            }
            self.lost_new(&mut f);
            let frame = match f.end {
                End::Destroy { frame } | End::Delete { frame } => frame,
                End::Vanished { dump, .. } => dump,
                End::Evicted { last } => last,
                End::Alive => f.last.frame,
            };
            if self.ended_keys.insert(key.clone(), frame).is_none() {
                self.ended_order.push_back(key.clone());
            }
            if self.ended_order.len() > MAX_ENDED {
                if let Some(old) = self.ended_order.pop_front() {
                    self.ended_keys.remove(&old);
                }
            }
            self.ended.push_back(f);
        }
    }

    /// An entry first seen in a dump while a listener was receiving events (events
    /// before and after that sighting) never had its NEW event seen: lost events.
    fn lost_new(&self, f: &mut Flow) {
        let Some((first, last)) = self.events else {
            return;
        };
        // Created before the listener's first event: nothing was lost.
        let born = f.created.unwrap_or(f.first.frame);
        let again = f.anomalies.iter().any(|a| a.starts_with("seen again"));
        if f.first_in_dump && !again && f.seen.new == 0 && first < born && last > f.first.frame {
            f.anomalies.push(
                "first seen in a dump while a listener was receiving events, and no NEW event for it: lost events?"
                    .to_string(),
            );
        }
    }

    /// The next entry that ended, in the order they ended.
    pub fn pop_ended(&mut self) -> Option<Flow> {
        let f = self.ended.pop_front()?;
        self.written += 1;
        self.keep_notable(&f);
        Some(f)
    }

    /// Keeps `f` among the notable entries when it is anomalous or among the
    /// longest (without its history).
    fn keep_notable(&mut self, f: &Flow) {
        let rank = |f: &Flow| {
            (
                !f.anomalies.is_empty(),
                f.last.ts.saturating_sub(f.first.ts),
            )
        };
        if self.notable.len() >= NOTABLE
            && self
                .notable
                .iter()
                .map(rank)
                .min()
                .is_some_and(|m| rank(f) <= m)
        {
            return;
        }
        let mut slim = f.clone();
        slim.history.clear();
        self.notable.push(slim);
        self.notable.sort_by_key(|f| std::cmp::Reverse(rank(f)));
        self.notable.truncate(NOTABLE);
    }

    /// Counts in the second of `ts`.
    fn tick(&mut self, ts: Duration, by: &str) {
        let sec = ts.as_secs();
        if self.series.len() >= MAX_SECONDS && !self.series.contains_key(&sec) {
            return;
        }
        let alive = self.alive.len() as u64;
        let b = self.series.entry(sec).or_default();
        b.alive = b.alive.max(alive);
        match by {
            "event-new" => b.new += 1,
            "event-update" => b.update += 1,
            "event-destroy" => b.destroy += 1,
            _ => {}
        }
    }

    /// The end of the capture: every entry still alive ends (`alive`, or `delete`
    /// when a DELETE was requested and nothing followed), in the order they were
    /// first seen.
    pub fn finish(&mut self) {
        let mut rest: Vec<Flow> = self.alive.drain().map(|(_, f)| f).collect();
        self.by_tuple.clear();
        rest.sort_by_key(|f| (f.first.frame, f.id));
        for mut f in rest {
            if let Some(frame) = f.delete_requested {
                f.end = End::Delete { frame };
            }
            self.lost_new(&mut f);
            self.ended.push_back(f);
        }
    }
}

fn push(f: &mut Flow, at: Seen, by: &'static str, changes: Vec<String>) {
    if f.history.len() >= MAX_HISTORY {
        f.history_dropped += 1;
        return;
    }
    f.history.push(Step { at, by, changes });
}
