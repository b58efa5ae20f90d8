//! Exchanges: a request, its replies (one, or a dump's parts up to NLMSG_DONE) and its
//! ack or error, grouped across records by sequence number and the requesting
//! socket's port id; extended ACKs resolved to the offending attribute's path.
//!
//! Matching: userspace usually sends portid 0 and the kernel answers with the
//! socket's port id, so an open exchange is matched by `seq` and, once its first
//! answer arrived, by that port id too. Among requests with the same seq not yet
//! bound to a socket (conntrack uses the time in seconds as seq, so concurrent
//! processes collide), the most recent wins: the kernel answers a request while
//! processing it, before the next one arrives. At most [`MAX_OPEN`] are kept open; older ones are
//! closed as unanswered, so memory stays bounded on any capture.

use crate::decode::{node_path, Decoder, NETLINK_NETFILTER};
use crate::model::{Body, Direction, EventKind, Kind, Message, Record};
use crate::render::{errno_of, type_name, value_repr, FrameInfo, Repr};
use crate::wire::Endian;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::ops::Range;
use std::time::Duration;

/// Most exchanges kept open at once.
pub const MAX_OPEN: usize = 4096;
/// Largest request kept to resolve extended ACK offsets of capped errors.
pub const MAX_KEPT_REQUEST: usize = 64 * 1024;

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still waiting (only inside the tracker).
    Open,
    /// Acknowledged (NLMSG_ERROR 0).
    Ok,
    /// Answered by a reply, no ack requested.
    Reply,
    /// Refused: NLMSG_ERROR with this errno, or a dump whose NLMSG_DONE carries it.
    Error(i32),
    /// A dump that ended with NLMSG_DONE.
    Dump,
    /// A dump whose parts carried NLM_F_DUMP_INTR (the table changed meanwhile).
    DumpIntr,
    /// No answer in the capture.
    NoAnswer,
    /// A dump cut by the end of the capture (parts, no NLMSG_DONE).
    DumpCut,
    /// An answer whose request is not in the capture.
    Unsolicited,
    /// A batch begin/end marker without ack requested (nothing to answer).
    Batch,
    /// A multicast event (stands on its own).
    Event(EventKind),
}

impl Outcome {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::Ok => "ok",
            Outcome::Reply => "reply",
            Outcome::Error(_) => "error",
            Outcome::Dump => "dump",
            Outcome::DumpIntr => "dump-intr",
            Outcome::NoAnswer => "no-answer",
            Outcome::DumpCut => "dump-cut",
            Outcome::Unsolicited => "unsolicited",
            Outcome::Batch => "batch",
            Outcome::Event(EventKind::New) => "event-new",
            Outcome::Event(EventKind::Update) => "event-update",
            Outcome::Event(EventKind::Destroy) => "event-destroy",
        }
    }
}

/// The message that opened an exchange.
#[derive(Debug, Clone)]
pub struct Opener {
    /// Frame number.
    pub frame: u64,
    /// Capture time.
    pub ts: Duration,
    /// Message name (`ctnetlink get`).
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// nlmsg_flags.
    pub flags: u16,
    /// nlmsg_pid as sent.
    pub portid: u32,
}

/// An extended ACK, resolved against the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extack {
    /// NLMSGERR_ATTR_MSG.
    pub msg: Option<String>,
    /// NLMSGERR_ATTR_OFFS.
    pub offset: Option<u64>,
    /// Path of the attribute at `offset` in the request.
    pub path: Option<String>,
    /// Its type in our schema.
    pub attr_type: Option<&'static str>,
    /// NLMSGERR_ATTR_POLICY members, by name.
    pub policy: Vec<(String, String)>,
    /// NLMSGERR_ATTR_MISS_TYPE, named in the nest it is missing from when known.
    pub missing: Option<String>,
    /// Path of NLMSGERR_ATTR_MISS_NEST.
    pub missing_in: Option<String>,
    /// NLMSGERR_ATTR_MISS_NEST, the nest's offset in the request.
    pub missing_nest_offset: Option<u64>,
}

/// One exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// 1-based number in order of opening.
    pub id: u64,
    /// The request, `None` when the answer's request is not in the capture.
    pub request: Option<Opener>,
    /// Sequence number.
    pub seq: u32,
    /// The socket's port id as the kernel named it in its answers.
    pub portid: Option<u32>,
    /// Frame numbers of every message of the exchange (a frame appears once).
    pub frames: Vec<u64>,
    /// Time of the first and last message.
    pub first: Duration,
    /// Time of the last message.
    pub last: Duration,
    /// Replies received (dump parts count one each).
    pub replies: u64,
    /// The outcome.
    pub outcome: Outcome,
    /// Resolved extended ACK of the error or ack, if any.
    pub extack: Option<Extack>,
    /// Name of the first answer when there is no request.
    pub answer_name: Option<String>,
    /// Whether any of its messages passed the run's filter.
    pub matched: bool,
    /// The decoder's verdict on the request (`crate::verdict`).
    pub verdict: Option<crate::verdict::Verdict>,
    dump: bool,
    ack: bool,
    intr: bool,
    request_bytes: Option<Vec<u8>>,
    tuple_key: Option<u64>,
}

impl Exchange {
    fn push_frame(&mut self, frame: u64, ts: Duration) {
        if self.frames.last() != Some(&frame) {
            self.frames.push(frame);
        }
        self.last = ts;
    }

    /// Time from the first to the last message.
    pub fn duration(&self) -> Duration {
        self.last.saturating_sub(self.first)
    }

    /// The kernel's answer, as verdicts are compared with it (`None`: no request,
    /// or an event).
    pub fn answer(&self) -> Option<crate::verdict::Answer> {
        use crate::verdict::Answer;
        self.request.as_ref()?;
        Some(match self.outcome {
            Outcome::Ok => Answer::Ack,
            Outcome::Reply | Outcome::Dump | Outcome::DumpIntr | Outcome::DumpCut => {
                Answer::Replied
            }
            Outcome::Error(e) => Answer::Error(e.saturating_neg()),
            Outcome::NoAnswer | Outcome::Batch => Answer::Silent,
            Outcome::Open | Outcome::Unsolicited | Outcome::Event(_) => return None,
        })
    }

    /// Whether the request's verdict agrees with the kernel's real answer.
    pub fn verdict_agrees(&self) -> Option<bool> {
        let v = self.verdict.as_ref()?;
        let flags = self.request.as_ref()?.flags;
        Some(crate::verdict::agrees(v, self.answer()?, flags))
    }
}

/// Groups messages into exchanges.
#[derive(Debug, Default)]
pub struct Tracker {
    open: VecDeque<Exchange>,
    /// Closed exchanges by id, released in id order (chronological by request).
    closed: BTreeMap<u64, Exchange>,
    next_id: u64,
    scratch: Record,
}

impl Tracker {
    /// An empty tracker.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    fn new_exchange(&mut self, frame: &FrameInfo, msg: &Message) -> Exchange {
        self.next_id += 1;
        Exchange {
            id: self.next_id,
            request: None,
            seq: msg.header.seq,
            portid: None,
            frames: vec![frame.number],
            first: frame.ts,
            last: frame.ts,
            replies: 0,
            outcome: Outcome::Open,
            extack: None,
            answer_name: None,
            matched: false,
            verdict: None,
            dump: false,
            ack: false,
            intr: false,
            request_bytes: None,
            tuple_key: None,
        }
    }

    /// Takes one decoded message into account.
    /// `matched`: whether the message passed the run's filter (an exchange is shown
    /// when any of its messages did).
    pub fn observe(
        &mut self,
        frame: &FrameInfo,
        data: &[u8],
        rec: &Record,
        msg: &Message,
        matched: bool,
    ) {
        // The name is kept for requests, events and answers without request only:
        // dump parts, the bulk of the traffic, do not need it.
        let name = || {
            let mut n = String::new();
            type_name(msg, &mut n);
            n
        };
        if msg.direction == Direction::ToKernel {
            let mut ex = self.new_exchange(frame, msg);
            ex.matched = matched;
            ex.dump = msg.kind == Kind::DumpRequest;
            ex.ack = msg.header.flags & crate::decode::flags::ACK != 0;
            ex.request = Some(Opener {
                frame: frame.number,
                ts: frame.ts,
                name: name(),
                kind: msg.kind,
                flags: msg.header.flags,
                portid: msg.header.portid,
            });
            // nlmsg_pid of a request is whatever the sender wrote (pyroute2 writes
            // its process id); the kernel answers the socket's port id, which the
            // first answer tells.
            let end = msg.offset.saturating_add(msg.header.len as usize);
            if let Some(bytes) = data
                .get(msg.offset..end)
                .filter(|b| b.len() <= MAX_KEPT_REQUEST)
            {
                ex.request_bytes = Some(bytes.to_vec());
            }
            ex.tuple_key = tuple_key(rec, data, msg);
            ex.verdict = msg.verdict.clone();
            if matches!(msg.kind, Kind::BatchBegin | Kind::BatchEnd) && !ex.ack {
                ex.outcome = Outcome::Batch;
                self.closed.insert(ex.id, ex);
                return;
            }
            self.open.push_back(ex);
            if self.open.len() > MAX_OPEN {
                if let Some(old) = self.open.pop_front() {
                    let old = give_up(old);
                    self.closed.insert(old.id, old);
                }
            }
            return;
        }
        if let Kind::Event(k) = msg.kind {
            let mut ex = self.new_exchange(frame, msg);
            ex.matched = matched;
            ex.outcome = Outcome::Event(k);
            ex.portid = Some(msg.header.portid);
            ex.answer_name = Some(name());
            self.closed.insert(ex.id, ex);
            return;
        }
        let seq = msg.header.seq;
        let portid = msg.header.portid;
        // An exchange already bound to this socket wins. Else, among the unbound
        // requests with this seq (conntrack uses the time in seconds as seq, so
        // concurrent processes collide), the one whose content the answer
        // identifies: the echoed request of an ack or error, or the original tuple
        // of a reply. Else the most recent: in an nlmon capture the kernel answers
        // a request while processing it, before the next one arrives.
        let pos = self
            .open
            .iter()
            .rposition(|e| e.seq == seq && e.portid == Some(portid))
            .or_else(|| {
                let unbound = |e: &Exchange| e.seq == seq && e.portid.is_none();
                let n = self.open.iter().filter(|e| unbound(e)).count();
                if n > 1 {
                    let key = AnswerKey::of(rec, data, msg);
                    if let Some(p) = self
                        .open
                        .iter()
                        .rposition(|e| unbound(e) && key.identifies(e))
                    {
                        return Some(p);
                    }
                }
                self.open.iter().rposition(unbound)
            });
        let mut ex = match pos.and_then(|p| self.open.remove(p)) {
            Some(mut ex) => {
                ex.push_frame(frame.number, frame.ts);
                ex
            }
            None => {
                let mut ex = self.new_exchange(frame, msg);
                ex.outcome = Outcome::Unsolicited;
                ex.answer_name = Some(name());
                ex.dump = msg.header.flags & crate::decode::flags::MULTI != 0;
                ex
            }
        };
        ex.portid = Some(portid);
        ex.matched |= matched;
        if msg.header.flags & crate::decode::flags::DUMP_INTR != 0 {
            ex.intr = true;
        }
        let unsolicited = ex.outcome == Outcome::Unsolicited;
        let close = match (msg.kind, &msg.body) {
            (Kind::DumpReply | Kind::Reply, _) => {
                ex.replies += 1;
                // A single GET without ack is done at its reply; dumps and acked
                // requests wait for NLMSG_DONE / the ack.
                (!ex.dump && !ex.ack && msg.kind == Kind::Reply).then_some(Outcome::Reply)
            }
            (Kind::Done, Body::Done { status }) => Some(match status {
                Some(s) if *s < 0 => Outcome::Error(*s),
                _ if ex.intr => Outcome::DumpIntr,
                _ => Outcome::Dump,
            }),
            (Kind::Ack, _) => {
                ex.extack = self.resolve(rec, data, msg, &ex);
                Some(Outcome::Ok)
            }
            (Kind::Error, Body::Error { error, .. }) => {
                ex.extack = self.resolve(rec, data, msg, &ex);
                Some(Outcome::Error(*error))
            }
            _ => Some(Outcome::Reply),
        };
        match close {
            Some(o) => {
                if !unsolicited {
                    ex.outcome = o;
                } else if let Outcome::Error(_) = o {
                    // Keep "unsolicited" but remember what it said.
                    ex.extack = ex.extack.take();
                }
                self.closed.insert(ex.id, ex);
            }
            None => self.open.push_back(ex),
        }
    }

    /// Closes every open exchange (end of the input).
    pub fn finish(&mut self) {
        while let Some(ex) = self.open.pop_front() {
            let ex = give_up(ex);
            self.closed.insert(ex.id, ex);
        }
    }

    /// Takes the next closed exchange in order of opening, once every exchange
    /// opened before it is closed too (so output stays chronological; an
    /// unanswered request holds the ones after it until the end of the input or
    /// until [`MAX_OPEN`] newer ones are open).
    pub fn pop_closed(&mut self) -> Option<Exchange> {
        // Bounded memory: when too many closed exchanges wait behind an old open
        // one, that one is given up on (closed as unanswered).
        if self.closed.len() > MAX_OPEN {
            let oldest = self
                .open
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.id)
                .map(|(p, _)| p);
            if let Some(ex) = oldest.and_then(|p| self.open.remove(p)) {
                let ex = give_up(ex);
                self.closed.insert(ex.id, ex);
            }
        }
        let first_open = self.open.iter().map(|e| e.id).min().unwrap_or(u64::MAX);
        let (&id, _) = self.closed.first_key_value()?;
        if id < first_open {
            self.closed.remove(&id)
        } else {
            None
        }
    }

    fn resolve(
        &mut self,
        rec: &Record,
        data: &[u8],
        msg: &Message,
        ex: &Exchange,
    ) -> Option<Extack> {
        if msg.attrs.is_empty() {
            return None;
        }
        resolve_extack(
            rec,
            data,
            msg,
            ex.request_bytes.as_deref(),
            &mut self.scratch,
        )
    }
}

/// The outcome of an exchange that will get no more answers.
fn give_up(mut ex: Exchange) -> Exchange {
    if ex.outcome == Outcome::Open {
        ex.outcome = if ex.replies > 0 && ex.dump {
            Outcome::DumpCut
        } else if ex.replies > 0 {
            Outcome::Reply
        } else {
            Outcome::NoAnswer
        };
    }
    ex
}

/// What an answer says about the request it answers.
enum AnswerKey<'a> {
    /// The full echoed request (uncapped ack or error).
    Echo(&'a [u8]),
    /// Only the echoed header (capped): (len, type, flags).
    Header(u32, u16, u16),
    /// The original tuple of a reply.
    Tuple(u64),
    None,
}

impl<'a> AnswerKey<'a> {
    fn of(rec: &Record, data: &'a [u8], msg: &Message) -> AnswerKey<'a> {
        match &msg.body {
            Body::Error { echo: Some(e), .. } if !e.capped => {
                let end = e.offset.saturating_add(e.header.len as usize);
                data.get(e.offset..end)
                    .map(AnswerKey::Echo)
                    .unwrap_or(AnswerKey::None)
            }
            Body::Error { echo: Some(e), .. } => {
                AnswerKey::Header(e.header.len, e.header.ty, e.header.flags)
            }
            _ => tuple_key(rec, data, msg)
                .map(AnswerKey::Tuple)
                .unwrap_or(AnswerKey::None),
        }
    }

    fn identifies(&self, ex: &Exchange) -> bool {
        let req = ex.request_bytes.as_deref();
        match self {
            AnswerKey::Echo(b) => req == Some(*b),
            AnswerKey::Header(len, ty, flags) => req.is_some_and(|r| {
                crate::wire::NlMsgHdr::parse(r, Endian::Little)
                    .or_else(|| crate::wire::NlMsgHdr::parse(r, Endian::Big))
                    .is_some_and(|h| (h.len, h.ty, h.flags) == (*len, *ty, *flags))
            }),
            AnswerKey::Tuple(k) => ex.tuple_key == Some(*k),
            AnswerKey::None => false,
        }
    }
}

/// A hash of the decoded original tuple of a conntrack message (addresses,
/// protocol, ports / icmp fields), comparable between a request and its reply
/// whatever their padding bytes.
fn tuple_key(rec: &Record, data: &[u8], msg: &Message) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let Body::Nf(nf) = &msg.body else { return None };
    if !nf
        .set
        .is_some_and(|s| std::ptr::eq(s, &crate::schema::ct::CONNTRACK))
    {
        return None;
    }
    let t = rec.find(msg.attrs.clone(), 1)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for i in rec.child_range(t) {
        let n = rec.nodes.get(i)?;
        if n.value != crate::model::Value::Nest {
            (n.depth, n.num(), n.bytes(data)).hash(&mut h);
        }
    }
    Some(h.finish())
}

/// Resolves the extended ACK of NLMSG_ERROR `msg`: the offset (from the start of the
/// request's nlmsghdr) is looked up in the echoed request, or, when the echo is
/// capped, in `request` (the captured request's bytes) decoded into `scratch`.
pub fn resolve_extack(
    rec: &Record,
    data: &[u8],
    msg: &Message,
    request: Option<&[u8]>,
    scratch: &mut Record,
) -> Option<Extack> {
    let order = rec.order.unwrap_or(Endian::Little);
    let mut x = Extack::default();
    let mut policy_node = None;
    let mut miss_type = None;
    let mut miss_nest = None;
    for i in rec.children(msg.attrs.clone()) {
        let node = rec.nodes.get(i)?;
        match node.num() {
            1 => {
                if let Repr::Text(t) = value_repr(node, data, order) {
                    x.msg = Some(String::from_utf8_lossy(t).into_owned());
                }
            }
            2 => x.offset = rec.uint(i),
            4 => policy_node = Some(i),
            5 => miss_type = rec.uint(i),
            6 => miss_nest = rec.uint(i),
            _ => {}
        }
    }
    if let Some(p) = policy_node {
        for i in rec.children(rec.child_range(p)) {
            if let Some(n) = rec.nodes.get(i) {
                let mut k = String::new();
                crate::render::node_name(n, &mut k);
                let v = match rec.uint(i) {
                    Some(v) => match n.def.map(|d| d.display) {
                        Some(crate::schema::Display::Enum(e)) => {
                            e.name_of(v).map(str::to_string).unwrap_or(v.to_string())
                        }
                        _ => v.to_string(),
                    },
                    None => String::new(),
                };
                x.policy.push((k, v));
            }
        }
    }
    let (target_rec, range, base): (&Record, Range<usize>, usize) = match &msg.body {
        Body::Error { echo: Some(e), .. } if !e.capped && !e.attrs.is_empty() => {
            (rec, e.attrs.clone(), e.offset)
        }
        _ => match request {
            Some(bytes) => {
                Decoder::default().decode_record(bytes, NETLINK_NETFILTER, scratch);
                let r = scratch
                    .messages
                    .first()
                    .map(|m| m.attrs.clone())
                    .unwrap_or(0..0);
                (&*scratch, r, 0)
            }
            None => (rec, 0..0, 0),
        },
    };
    let find = |off: u64| {
        let target = base.checked_add(usize::try_from(off).ok()?)?;
        range.clone().find(|&i| {
            target_rec
                .nodes
                .get(i)
                .is_some_and(|n| n.offset as usize == target)
        })
    };
    if let Some(off) = x.offset {
        if let Some(i) = find(off) {
            x.path = Some(node_path(target_rec, i));
            x.attr_type = target_rec
                .nodes
                .get(i)
                .and_then(|n| n.def)
                .map(|d| d.ty.name());
        }
    }
    x.missing_nest_offset = miss_nest;
    if let Some(off) = miss_nest {
        if let Some(i) = find(off) {
            x.missing_in = Some(node_path(target_rec, i));
            if let (Some(t), Some(set)) = (
                miss_type,
                target_rec
                    .nodes
                    .get(i)
                    .and_then(|n| n.def)
                    .and_then(|d| d.nested()),
            ) {
                x.missing = u16::try_from(t)
                    .ok()
                    .and_then(|t| set.get(t))
                    .map(|d| d.name.to_string());
            }
        }
    }
    if x.missing.is_none() {
        x.missing = miss_type.map(|t| format!("attr-{t}"));
    }
    Some(x)
}

/// One text line for an exchange.
pub fn write_text(out: &mut String, ex: &Exchange) {
    let _ = write!(out, "#{} ", ex.id);
    write_frames(out, &ex.frames);
    match &ex.request {
        Some(r) => {
            let _ = write!(out, " {} ({})", r.name, r.kind.as_str());
        }
        None => {
            let _ = write!(out, " {}", ex.answer_name.as_deref().unwrap_or("?"));
        }
    }
    let _ = write!(out, " seq={}", ex.seq);
    if let Some(p) = ex.portid {
        let _ = write!(out, " portid={p}");
    }
    out.push_str(": ");
    match ex.outcome {
        Outcome::Error(e) => {
            let _ = write!(out, "error {e}");
            if let Some((n, t)) = errno_of(e) {
                let _ = write!(out, " {n} \"{t}\"");
            }
        }
        Outcome::Dump | Outcome::DumpIntr | Outcome::DumpCut => {
            let n = ex.replies;
            let _ = write!(
                out,
                "{} of {n} entr{}",
                ex.outcome.as_str(),
                if n == 1 { "y" } else { "ies" }
            );
        }
        Outcome::Ok if ex.replies > 0 => {
            let n = ex.replies;
            let _ = write!(out, "ok, {n} repl{}", if n == 1 { "y" } else { "ies" });
        }
        o => out.push_str(o.as_str()),
    }
    if let Some(x) = &ex.extack {
        if let Some(m) = &x.msg {
            let _ = write!(out, " msg=\"{m}\"");
        }
        if let Some(p) = &x.path {
            let _ = write!(out, " at {p}");
            if let Some(t) = x.attr_type {
                let _ = write!(out, " ({t})");
            }
        } else if let Some(o) = x.offset {
            let _ = write!(out, " at offset {o}");
        }
        if !x.policy.is_empty() {
            out.push_str(" policy");
            for (k, v) in &x.policy {
                let _ = write!(out, " {k}={v}");
            }
        }
        if let Some(m) = &x.missing {
            let _ = write!(out, " missing {m}");
            if let Some(n) = &x.missing_in {
                let _ = write!(out, " in {n}");
            } else if let Some(o) = x.missing_nest_offset {
                let _ = write!(out, " in the nest at offset {o}");
            }
        }
    }
    if ex.frames.len() > 1 {
        let d = ex.duration();
        let _ = write!(out, " in {}.{:03} ms", d.as_millis(), d.as_micros() % 1000);
    }
    if let Some(v) = &ex.verdict {
        let _ = write!(out, " | kernel: {v}");
        match ex.verdict_agrees() {
            Some(true) => out.push_str(" (agrees)"),
            Some(false) => out.push_str(" (DISAGREES with the kernel's answer)"),
            None => {}
        }
    }
    out.push('\n');
}

/// Frame numbers, ranges of consecutive ones compressed: `3-9,12`.
pub fn write_frames(out: &mut String, frames: &[u64]) {
    out.push_str("frames ");
    let mut i = 0;
    let mut first = true;
    while let Some(&a) = frames.get(i) {
        let mut j = i;
        while frames
            .get(j + 1)
            .is_some_and(|&n| Some(n) == frames.get(j).map(|x| x + 1))
        {
            j += 1;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let b = frames.get(j).copied().unwrap_or(a);
        if b > a {
            let _ = write!(out, "{a}-{b}");
        } else {
            let _ = write!(out, "{a}");
        }
        i = j + 1;
    }
}

impl Serialize for Exchange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("exchange", &self.id)?;
        match &self.request {
            Some(r) => m.serialize_entry(
                "request",
                &serde_json::json!({"frame": r.frame, "name": r.name, "kind": r.kind.as_str(), "flags": r.flags, "portid": r.portid}),
            )?,
            None => m.serialize_entry("request", &None::<()>)?,
        }
        if let Some(a) = &self.answer_name {
            m.serialize_entry("answer", a)?;
        }
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("portid", &self.portid)?;
        m.serialize_entry("frames", &self.frames)?;
        m.serialize_entry("outcome", self.outcome.as_str())?;
        if let Outcome::Error(e) = self.outcome {
            let en = errno_of(e);
            m.serialize_entry(
                "error",
                &serde_json::json!({"code": e, "name": en.map(|x| x.0), "text": en.map(|x| x.1)}),
            )?;
        }
        m.serialize_entry("replies", &self.replies)?;
        m.serialize_entry("duration_us", &(self.duration().as_micros() as u64))?;
        if let Some(v) = &self.verdict {
            m.serialize_entry("verdict", v)?;
            m.serialize_entry("verdict_agrees", &self.verdict_agrees())?;
        }
        if let Some(x) = &self.extack {
            let policy: serde_json::Map<String, serde_json::Value> = x
                .policy
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            m.serialize_entry(
                "extack",
                &serde_json::json!({
                    "msg": x.msg, "offset": x.offset, "path": x.path, "type": x.attr_type,
                    "policy": policy, "missing": x.missing, "missing_in": x.missing_in,
                    "missing_nest_offset": x.missing_nest_offset,
                }),
            )?;
        }
        m.end()
    }
}
