//! libnetfilter_conntrack as an oracle for `-f conntrack` (issue 15): the shared
//! part of examples/ct_oracle.rs (the differential run) and the fuzz target
//! `ct_oracle`.
//!
//! conntrack prints entries through libnetfilter_conntrack's `nfct_snprintf` /
//! `nfexp_snprintf`. The oracle is a small C program (tests/oracle/nfct_oracle.c,
//! built by tests/oracle/build.sh against the system's library, never linked into
//! nfct-decode) that reads one message per line as hex and answers with what the
//! library prints for it. [`Oracle`] keeps one such process per output mode;
//! [`ours`] is what the conntrack renderer prints for the same bytes.
//!
//! The one normalisation: the library prints string bytes raw, nfct-decode
//! escapes them (README, "conntrack format"), so the library's line is escaped the
//! same way before the comparison. Events are generated with portid 0, so that
//! conntrack-tools adds nothing to the library's text. Both sides print "now" as
//! [`NOW`] (the oracle pins `time()`; here the frame's timestamp), in UTC.

use crate::capture::{FrameMeta, LinkHeader, TsPrecision};
use crate::decode::{Decoder, NETLINK_NETFILTER};
use crate::model::Record;
use crate::render::conntrack::{ConntrackRenderer, CtOutput, CtVersion, LabelMap, LineKind};
use crate::view::escape::escape;
use crate::view::Msg;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

/// time() on both sides: 2027-01-15T08:00:00Z.
pub const NOW: u64 = 1_800_000_000;

/// One way conntrack prints entries.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// As conntrack is run.
    pub name: &'static str,
    /// The oracle's options (its `-o`, `-m`, `-F`).
    pub oracle: &'static [&'static str],
    /// The renderer's options.
    pub opts: CtOutput,
    /// Events (else dump replies).
    pub event: bool,
    /// With the label map.
    pub labels: bool,
}

/// Every mode compared.
pub fn modes() -> Vec<Mode> {
    let v = CtOutput {
        version: CtVersion::V1_4_7,
        ..CtOutput::default()
    };
    let xml = CtOutput { xml: true, ..v };
    let m = |name, oracle, opts, event, labels| Mode {
        name,
        oracle,
        opts,
        event,
        labels,
    };
    vec![
        m("-L", &["-o", "default", "-m", "list"], v, false, false),
        m(
            "-L -o extended,id",
            &["-o", "default", "-m", "list", "-F", "ext,id"],
            CtOutput {
                extended: true,
                id: true,
                ..v
            },
            false,
            false,
        ),
        m(
            "-L -o ktimestamp",
            &["-o", "default", "-m", "list", "-F", "ktimestamp"],
            CtOutput {
                ktimestamp: true,
                ..v
            },
            false,
            false,
        ),
        m(
            "-L -o labels",
            &["-o", "default", "-m", "list"],
            CtOutput { labels: true, ..v },
            false,
            true,
        ),
        m("-E", &["-o", "default", "-m", "event"], v, true, false),
        m("-L -o xml", &["-o", "xml", "-m", "list"], xml, false, false),
        m(
            "-L -o xml,ktimestamp",
            &["-o", "xml", "-m", "list", "-F", "ktimestamp"],
            CtOutput {
                ktimestamp: true,
                ..xml
            },
            false,
            false,
        ),
        m(
            "-L -o xml,labels",
            &["-o", "xml", "-m", "list"],
            CtOutput {
                labels: true,
                ..xml
            },
            false,
            true,
        ),
        m("-E -o xml", &["-o", "xml", "-m", "event"], xml, true, false),
        m(
            "-E -o xml,timestamp",
            &["-o", "xml", "-m", "event", "-F", "time"],
            CtOutput {
                timestamp: true,
                ..xml
            },
            true,
            false,
        ),
    ]
}

/// What the library made of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Its line, escaped as nfct-decode escapes capture strings.
    Line(String),
    /// Its printer refused (`nfct_snprintf` returned -1, e.g. without the
    /// original tuple's protocol): conntrack then prints whatever its buffer held,
    /// nothing defined to compare.
    Refused,
    /// It aborted on the message (its `abi_breakage()`): conntrack would die.
    Aborted,
}

/// One oracle process for one mode.
#[derive(Debug)]
pub struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    /// Starts the oracle at `path` for `mode` (`labels`: a connlabel.conf).
    pub fn spawn(path: &str, mode: &Mode, labels: &str) -> io::Result<Oracle> {
        let mut cmd = Command::new(path);
        cmd.args(mode.oracle)
            .args(["-n", &NOW.to_string(), "-z", "1"]);
        if mode.labels {
            cmd.args(["-l", labels]);
        }
        let mut child = cmd
            .env("TZ", "UTC")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(io::Error::other("no pipes to the oracle"));
        };
        Ok(Oracle {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// What the library prints for message `msg`.
    pub fn ask(&mut self, msg: &[u8]) -> io::Result<Answer> {
        let mut line = String::with_capacity(msg.len() * 2 + 1);
        for b in msg {
            line.push_str(&format!("{b:02x}"));
        }
        line.push('\n');
        self.stdin.write_all(line.as_bytes())?;
        self.stdin.flush()?;
        // `LEN:` + LEN bytes of text (strings are printed raw: they may hold
        // newlines) + a newline.
        let mut head = Vec::new();
        if self.stdout.read_until(b':', &mut head)? == 0 {
            return Err(io::Error::other("the oracle stopped"));
        }
        head.pop();
        let len: usize = std::str::from_utf8(&head)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| io::Error::other("the oracle's answer has no length"))?;
        let mut text = vec![0u8; len + 1];
        self.stdout.read_exact(&mut text)?;
        text.pop();
        Ok(match text.as_slice() {
            b"!" => Answer::Refused,
            b"!abort" => Answer::Aborted,
            t => Answer::Line(escape(t).to_string()),
        })
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the conntrack renderer prints for message bytes `data` in `mode` (the
/// library's part of conntrack's line: the XML header is left out), or `None`.
pub fn ours(data: &[u8], mode: &Mode, labels: &LabelMap) -> Option<String> {
    let mut rec = Record::default();
    Decoder::default().decode_record(data, NETLINK_NETFILTER, &mut rec);
    let m = rec.messages.first()?;
    let frame = FrameMeta {
        number: 1,
        offset: 0,
        ts: Duration::from_secs(NOW),
        precision: TsPrecision::Micro,
        linktype: 253,
        interface: 0,
        caplen: u32::try_from(data.len()).unwrap_or(u32::MAX),
        orig_len: u32::try_from(data.len()).unwrap_or(u32::MAX),
        link: LinkHeader::default(),
    };
    let mut r =
        ConntrackRenderer::new(mode.opts, true).with_labels(mode.labels.then(|| labels.clone()));
    if r.format(&frame, &Msg::new(&rec, data, m)) != LineKind::Conntrack {
        return None;
    }
    Some(r.line().lines().last()?.to_string())
}
