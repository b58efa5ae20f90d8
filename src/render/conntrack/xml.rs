//! `--ct-output xml`: what conntrack prints with `-o xml`, libnetfilter_conntrack's
//! XML writer (`__snprintf_conntrack_xml` and `__snprintf_expect_xml` in
//! src/conntrack/snprintf_xml.c and src/expect/snprintf_xml.c; byte-identical from
//! 1.0.9 to 1.1.1) inside conntrack-tools' header and footer.
//!
//! Documents, as conntrack opens and closes them (`dump_xml_header_done`): the
//! header `<?xml version="1.0" encoding="utf-8"?>` + `<conntrack>` (`<expect>` for
//! expectations) comes before the first flow printed; a dump (`-L`) closes with
//! `</conntrack>` at its NLMSG_DONE, events (`-E`) at the end of the input (where
//! conntrack's signal handler prints it), and the reply to a `-G` never (conntrack
//! prints no footer there). A capture holds what several conntrack processes
//! printed one after the other: each dump is its own document.
//!
//! What conntrack gets wrong is kept by default (byte-identical is the promise) and
//! fixed with `--ct-fix`: SCTP and DCCP states named from the TCP table (SCTP
//! ESTABLISHED printed as FIN_WAIT), ` [USERSPACE] portid=N` after `</flow>` of an
//! event caused by a request (invalid XML; 1.4.9 no longer prints it), no footer
//! after `-G`, strings written without XML escaping. With `--ct-fix` each document
//! is well-formed XML, and the lines between documents (comments for messages
//! conntrack does not print) are XML comments.

use super::{
    counter_values, paths, proto_name, uint, ConntrackRenderer, CtVersion, Tuple, DCCP_STATES,
    IPS_ASSURED, IPS_SEEN_REPLY, SCTP_STATES, TCP_STATES,
};
use crate::capture::FrameMeta;
use crate::model::{Direction, Kind};
use crate::render::civil_from_days as civil;
use crate::schema::AttrPath;
use crate::view::escape::escape;
use crate::view::{label_bits, Attr, Msg, Scope};
use std::fmt::{self, Write as _};

/// Which root element a document has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    Conntrack,
    Expect,
}

impl Root {
    fn name(self) -> &'static str {
        match self {
            Root::Conntrack => "conntrack",
            Root::Expect => "expect",
        }
    }
}

/// How an open document ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Until {
    /// The NLMSG_DONE of the dump sent to this portid (`-L`).
    Done { portid: u32 },
    /// The end of the input (`-E`).
    End,
    /// Never: conntrack `-G` prints no footer.
    Never,
}

/// An XML document being printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Doc {
    pub(super) root: Root,
    pub(super) until: Until,
}

impl ConntrackRenderer {
    /// The document `msg`'s flow belongs in. The kernel answers a `-G` (a GET
    /// without NLM_F_DUMP) with one NLM_F_MULTI message and no NLMSG_DONE: a reply
    /// with the sequence number of the last such request seen is one.
    fn doc_for(&self, msg: &Msg<'_>, root: Root) -> Doc {
        let get = self.last_request == Some((msg.header().seq, false));
        let until = match msg.kind() {
            Kind::DumpReply if !get => Until::Done {
                portid: msg.header().portid,
            },
            Kind::DumpReply | Kind::Reply => Until::Never,
            _ => Until::End,
        };
        Doc { root, until }
    }

    /// Notes a request (its sequence number, whether a dump) for [`Self::doc_for`].
    pub(super) fn saw_request(&mut self, msg: &Msg<'_>) {
        if msg.direction() == Direction::ToKernel {
            self.last_request = Some((msg.header().seq, msg.kind() == Kind::DumpRequest));
        }
    }

    /// Writes the footer of the open document when it is closed by `msg` (an
    /// NLMSG_DONE of its dump), or by the end of the input (`msg` `None`); in fix
    /// mode every document is closed, also one conntrack leaves open.
    pub(super) fn close_doc(&mut self, l: &mut String, msg: Option<&Msg<'_>>) {
        let Some(doc) = self.doc else { return };
        let closes = match (msg, doc.until) {
            (None, Until::Never) => self.opts.fix,
            (None, _) => true,
            (Some(m), Until::Done { portid }) => {
                m.kind() == Kind::Done
                    && m.direction() == Direction::FromKernel
                    && m.header().portid == portid
            }
            (Some(_), _) => false,
        };
        if !closes {
            return;
        }
        if doc.until != Until::Never || self.opts.fix {
            let _ = writeln!(l, "</{}>", doc.root.name());
        }
        self.doc = None;
    }

    /// Opens (after closing another) the document of `msg`'s flow: the header.
    fn open_doc(&mut self, l: &mut String, msg: &Msg<'_>, root: Root) {
        let want = self.doc_for(msg, root);
        if self.doc == Some(want) {
            return;
        }
        if let Some(doc) = self.doc {
            if doc.until != Until::Never || self.opts.fix {
                let _ = writeln!(l, "</{}>", doc.root.name());
            }
        }
        let _ = writeln!(
            l,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{}>",
            root.name()
        );
        self.doc = Some(want);
    }

    /// A conntrack entry's `<flow>` line (with the document header first when it
    /// opens one), in `__snprintf_conntrack_xml`'s order.
    pub(super) fn write_conntrack_xml(
        &mut self,
        l: &mut String,
        frame: &FrameMeta,
        msg: &Msg<'_>,
        e: Scope<'_>,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        self.open_doc(l, msg, Root::Conntrack);
        let fix = self.opts.fix;
        l.push_str("<flow");
        if event {
            l.push_str(type_attr(msg, 1));
        }
        l.push('>');
        let orig = Tuple::of(e.at(&paths::TUPLE_ORIG), family);
        let repl = Tuple::of(e.at(&paths::TUPLE_REPLY), family);
        // Counters print in both directions when the original's are there (the
        // reply's test also reads the original's bits), the reply's values or 0.
        let counters = counter_values(e.at(&paths::COUNTERS_ORIG));
        let repl_counters = counter_fields(e.at(&paths::COUNTERS_REPLY));
        for (dir, t, c) in [
            ("original", &orig, counters),
            ("reply", &repl, counters.map(|_| repl_counters)),
        ] {
            write!(l, "<meta direction=\"{dir}\">")?;
            tuple_xml(l, t)?;
            if let Some(z) = t.zone {
                write!(l, "<zone>{z}</zone>")?;
            }
            if let Some((p, b)) = c {
                write!(
                    l,
                    "<counters><packets>{p}</packets><bytes>{b}</bytes></counters>"
                )?;
            }
            l.push_str("</meta>");
        }
        let states: [(&AttrPath, &[&str; 10]); 3] = [
            (&paths::TCP_STATE, &TCP_STATES),
            (
                &paths::SCTP_STATE,
                if fix { &SCTP_STATES } else { &TCP_STATES },
            ),
            (
                &paths::DCCP_STATE,
                if fix { &DCCP_STATES } else { &TCP_STATES },
            ),
        ];
        // One <state> per protoinfo present, all of the shared state byte.
        let union = super::union_state(e);
        let present: Vec<&[&str; 10]> = states
            .iter()
            .filter(|(p, _)| e.at(p).is_some())
            .map(|(_, names)| *names)
            .collect();
        let status = uint(e, &paths::STATUS);
        let (start, stop) = (
            uint(e, &paths::TIMESTAMP_START),
            uint(e, &paths::TIMESTAMP_STOP),
        );
        // An empty CTA_LABELS makes no bitmask in libnetfilter_conntrack.
        let labels = e.at(&paths::LABELS).filter(|a| !a.bytes().is_empty());
        let independent = !present.is_empty()
            || status.is_some()
            || start.is_some()
            || stop.is_some()
            || labels.is_some()
            || [
                &paths::TIMEOUT,
                &paths::MARK,
                &paths::SECMARK,
                &paths::ZONE,
                &paths::USE,
                &paths::ID,
            ]
            .iter()
            .any(|p| e.at(p).is_some());
        // Each element prints on its own test, whether or not the independent
        // meta is open (its test leaves out secctx).
        if independent {
            l.push_str("<meta direction=\"independent\">");
        }
        {
            for names in &present {
                let s = union.unwrap_or(0);
                let name = names.get(s as usize).copied().unwrap_or("NONE");
                write!(l, "<state>{name}</state>")?;
            }
            for (tag, p) in [("timeout", &paths::TIMEOUT), ("mark", &paths::MARK)] {
                if let Some(v) = uint(e, p) {
                    write!(l, "<{tag}>{v}</{tag}>")?;
                }
            }
            if let (Some(a), Some(map), true) = (labels, self.labels.as_ref(), self.opts.labels) {
                l.push_str("<labels>");
                label_bits(a.bytes(), msg.order(), |bit| {
                    if let Some(n) = map.name(bit).filter(|n| !n.is_empty()) {
                        l.push_str("<label>");
                        text_xml(l, n.as_bytes(), fix);
                        l.push_str("</label>");
                    }
                });
                l.push_str("</labels>");
            }
            if let Some(v) = uint(e, &paths::SECMARK) {
                write!(l, "<secmark>{v}</secmark>")?;
            }
            if let Some(a) = e.at(&paths::SECCTX_NAME) {
                l.push_str("<secctx>");
                text_xml(l, until_nul(a), fix);
                l.push_str("</secctx>");
            }
            for (tag, p) in [
                ("zone", &paths::ZONE),
                ("use", &paths::USE),
                ("id", &paths::ID),
            ] {
                if let Some(v) = uint(e, p) {
                    write!(l, "<{tag}>{v}</{tag}>")?;
                }
            }
            if let Some(s) = status {
                if s & IPS_ASSURED != 0 {
                    l.push_str("<assured/>");
                }
                if s & IPS_SEEN_REPLY == 0 {
                    l.push_str("<unreplied/>");
                }
            }
            if self.opts.ktimestamp && (start.is_some() || stop.is_some()) {
                l.push_str("<timestamp>");
                if let Some(s) = start {
                    write!(l, "<start>{s}</start>")?;
                }
                if let Some(s) = stop {
                    write!(l, "<stop>{s}</stop>")?;
                }
                l.push_str("</timestamp>");
            }
            const NS: u64 = 1_000_000_000;
            match (start, stop) {
                (Some(a), Some(b)) => {
                    write!(l, "<deltatime>{}</deltatime>", b.wrapping_sub(a) / NS)?
                }
                // time(NULL) when conntrack printed: the capture time.
                (Some(a), None) => write!(
                    l,
                    "<deltatime>{}</deltatime>",
                    (frame.ts.as_secs() as i64).wrapping_sub((a / NS) as i64) as u64
                )?,
                _ => {}
            }
            if independent {
                l.push_str("</meta>");
            }
        }
        if event && self.opts.timestamp {
            when(l, frame)?;
        }
        if let Some(a) = e.at(&paths::HELP_NAME) {
            l.push_str("<helper>");
            text_xml(l, until_nul(a), fix);
            l.push_str("</helper>");
        }
        l.push_str("</flow>");
        let userspace =
            event && msg.header().portid != 0 && !fix && self.opts.version < CtVersion::V1_4_9;
        if userspace {
            write!(l, " [USERSPACE] portid={}", msg.header().portid)?;
        }
        Ok(())
    }

    /// An expectation's `<flow>` line, in `__snprintf_expect_xml`'s order.
    pub(super) fn write_expect_xml(
        &mut self,
        l: &mut String,
        frame: &FrameMeta,
        msg: &Msg<'_>,
        family: u8,
        event: bool,
    ) -> fmt::Result {
        self.open_doc(l, msg, Root::Expect);
        let fix = self.opts.fix;
        let e = Scope::Msg(*msg);
        l.push_str("<flow");
        if event {
            l.push_str(type_attr(msg, 2));
        }
        l.push('>');
        let [expected, mask, master] = super::expect_tuples(e, family);
        let tuples = [("expected", expected), ("mask", mask), ("master", master)];
        let exp = tuples[0].1;
        write!(
            l,
            "<layer3 protonum=\"{}\" protoname=\"{}\">",
            exp.l3,
            super::l3_name(exp.l3)
        )?;
        for (tag, t) in &tuples {
            write!(l, "<{tag}>")?;
            addresses(l, t)?;
            write!(l, "</{tag}>")?;
        }
        write!(
            l,
            "</layer3><layer4 protonum=\"{}\" protoname=\"{}\">",
            exp.proto,
            proto_name(exp.proto)
        )?;
        for (tag, t) in &tuples {
            write!(l, "<{tag}>")?;
            ports(l, t)?;
            write!(l, "</{tag}>")?;
        }
        l.push_str("</layer4><meta>");
        if let Some(a) = e.at(&paths::EXP_HELP_NAME) {
            l.push_str("<helper-name>");
            text_xml(l, until_nul(a), fix);
            l.push_str("</helper-name>");
        }
        for (tag, p) in [
            ("timeout", &paths::EXP_TIMEOUT),
            ("class", &paths::EXP_CLASS),
            ("zone", &paths::EXP_ZONE),
        ] {
            if let Some(v) = uint(e, p) {
                write!(l, "<{tag}>{v}</{tag}>")?;
            }
        }
        if event && self.opts.timestamp {
            when(l, frame)?;
        }
        let flags = uint(e, &paths::EXP_FLAGS).unwrap_or(0);
        for (bit, tag) in [(1u64, "permanent"), (2, "inactive"), (4, "userspace")] {
            if flags & bit != 0 {
                write!(l, "<{tag}/>")?;
            }
        }
        l.push_str("</meta></flow>");
        Ok(())
    }
}

/// ` type="new"` / `"update"` / `"destroy"` of an event, as conntrack's event
/// callbacks type it (see `super::event_prefix`).
fn type_attr(msg: &Msg<'_>, subsys: u8) -> &'static str {
    match super::event_prefix(msg, subsys) {
        Some("[NEW]") => " type=\"new\"",
        Some("[UPDATE]") => " type=\"update\"",
        Some("[DESTROY]") => " type=\"destroy\"",
        _ => "",
    }
}

/// `(packets, bytes)` of a counters nest, each 0 when absent (the values the
/// library holds for a direction it prints because of the other's bits).
fn counter_fields(c: Option<Attr<'_>>) -> (u64, u64) {
    let get = |a: &AttrPath, b: &AttrPath| {
        c.and_then(|c| c.at(a).or_else(|| c.at(b)))
            .and_then(|x| x.uint())
            .unwrap_or(0)
    };
    (
        get(&paths::PACKETS, &paths::PACKETS_OLD),
        get(&paths::BYTES, &paths::BYTES_OLD),
    )
}

/// `<layer3 ...><src/><dst/></layer3><layer4 ...>PORTS</layer4>`.
fn tuple_xml(l: &mut String, t: &Tuple) -> fmt::Result {
    write!(
        l,
        "<layer3 protonum=\"{}\" protoname=\"{}\">",
        t.l3,
        super::l3_name(t.l3)
    )?;
    addresses(l, t)?;
    write!(
        l,
        "</layer3><layer4 protonum=\"{}\" protoname=\"{}\">",
        t.proto,
        proto_name(t.proto)
    )?;
    ports(l, t)?;
    l.push_str("</layer4>");
    Ok(())
}

/// `<src>A</src><dst>A</dst>` (`__snprintf_addr_xml`: empty for other families).
fn addresses(l: &mut String, t: &Tuple) -> fmt::Result {
    match t.l3 {
        2 => write!(l, "<src>{}</src><dst>{}</dst>", t.v4[0], t.v4[1]),
        10 => write!(l, "<src>{}</src><dst>{}</dst>", t.v6[0], t.v6[1]),
        _ => {
            l.push_str("<src></src><dst></dst>");
            Ok(())
        }
    }
}

/// `__snprintf_proto_xml`: ports, GRE keys, or nothing (ICMP and the rest).
fn ports(l: &mut String, t: &Tuple) -> fmt::Result {
    match t.proto {
        6 | 17 | 136 | 132 | 33 => {
            write!(l, "<sport>{}</sport><dport>{}</dport>", t.l4src, t.l4dst)
        }
        47 => write!(
            l,
            "<srckey>0x{:x}</srckey><dstkey>0x{:x}</dstkey>",
            t.l4src, t.l4dst
        ),
        _ => Ok(()),
    }
}

/// `<when>` of `-o xml,timestamp` events: conntrack's `localtime(time(NULL))`,
/// here the capture time in UTC; `wday` and `month` count from 1, minutes and
/// seconds are zero-padded and the hour is not.
fn when(l: &mut String, frame: &FrameMeta) -> fmt::Result {
    let secs = frame.ts.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    // 1970-01-01 was a Thursday (tm_wday 4).
    let wday = (days + 4).rem_euclid(7) + 1;
    write!(
        l,
        "<when><hour>{}</hour><min>{:02}</min><sec>{:02}</sec><wday>{wday}</wday><day>{d}</day><month>{m}</month><year>{y}</year></when>",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// A string attribute up to its first NUL.
fn until_nul<'a>(a: Attr<'a>) -> &'a [u8] {
    let b = a.bytes();
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..end).unwrap_or(&[])
}

/// Text from a capture: escaped for the terminal as in every line output; in fix
/// mode also with XML's five entities.
fn text_xml(l: &mut String, bytes: &[u8], fix: bool) {
    let mut s = String::new();
    let _ = escape(bytes).write_to(&mut s);
    if !fix {
        l.push_str(&s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => l.push_str("&amp;"),
            '<' => l.push_str("&lt;"),
            '>' => l.push_str("&gt;"),
            '"' => l.push_str("&quot;"),
            '\'' => l.push_str("&apos;"),
            c => l.push(c),
        }
    }
}
