//! JSON Lines output: one object per netlink message (and one per notice, exchange
//! or summary). The format is a public interface, documented in docs/json.md.
//!
//! Message objects, nearly all of the output, are written directly into a byte
//! buffer (`json_msg`: static keys unescaped, capture strings escaped, numbers
//! through itoa); notices, exchanges and the summary are streamed with serde's
//! `Serialize` over views. Nothing is copied into a `serde_json::Value`.

use super::json_msg::{self, Out};
use super::{write_hex, Render};
use crate::capture::FrameMeta;
use crate::exchange::{Exchange, Outcome};
use crate::finding::Finding;
use crate::model::Extack;
use crate::summary::Summary;
use crate::verdict::Verdict;
use crate::view::{errno_of, Msg};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::fmt;
use std::io::{self, Write};

/// Writes JSON Lines. Each object is serialized into a reused buffer and written
/// with one `write_all`: serde_json's many small writes would otherwise each go
/// through `dyn Write`.
#[derive(Debug, Default)]
pub struct JsonRenderer {
    buf: Vec<u8>,
    /// `"file":"NAME",` for runs over several inputs (put first in every object).
    file: Vec<u8>,
    /// Attribute keys that are not plain kernel names (`attr-N`, `name#2`).
    scratch: String,
}

impl JsonRenderer {
    fn write<T: Serialize>(&mut self, out: &mut dyn Write, v: &T) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, v).map_err(io::Error::other)?;
        self.buf.push(b'\n');
        match self.buf.split_first() {
            // Every object has members: `{` + `"file":...,` + the members.
            Some((b'{', rest)) if !self.file.is_empty() && rest.first() != Some(&b'}') => {
                out.write_all(b"{")?;
                out.write_all(&self.file)?;
                out.write_all(rest)
            }
            _ => out.write_all(&self.buf),
        }
    }
}

impl Render for JsonRenderer {
    fn message(&mut self, out: &mut dyn Write, frame: &FrameMeta, msg: &Msg<'_>) -> io::Result<()> {
        // Written directly (json_msg), not through serde: the message objects are
        // nearly all of the output.
        self.buf.clear();
        self.buf.push(b'{');
        self.buf.extend_from_slice(&self.file);
        let mut o = Out(&mut self.buf);
        json_msg::message(&mut o, frame, msg, &mut self.scratch);
        // The members end with a comma: it becomes the closing brace.
        self.buf.pop();
        self.buf.extend_from_slice(b"}\n");
        out.write_all(&self.buf)
    }

    fn notice(
        &mut self,
        out: &mut dyn Write,
        frame: Option<u64>,
        f: &Finding,
        verdict: Option<&Verdict>,
    ) -> io::Result<()> {
        #[derive(Serialize)]
        struct Notice<'a> {
            frame: Option<u64>,
            notice: bool,
            findings: [&'a Finding; 1],
            #[serde(skip_serializing_if = "Option::is_none")]
            verdict: Option<&'a Verdict>,
        }
        self.write(
            out,
            &Notice {
                frame,
                notice: true,
                findings: [f],
                verdict,
            },
        )
    }

    fn exchange(&mut self, out: &mut dyn Write, ex: &Exchange) -> io::Result<()> {
        self.write(out, &ExchangeJson(ex))
    }

    fn flow(&mut self, out: &mut dyn Write, f: &crate::flows::Flow) -> io::Result<()> {
        #[derive(Serialize)]
        struct FlowJson<'a> {
            flow: &'a crate::flows::Flow,
        }
        self.write(out, &FlowJson { flow: f })
    }

    fn summary(&mut self, out: &mut dyn Write, s: &Summary) -> io::Result<()> {
        // The summary covers every input.
        let file = std::mem::take(&mut self.file);
        let r = self.write(out, &SummaryJson(s));
        self.file = file;
        r
    }

    fn start_input(&mut self, _out: &mut dyn Write, name: &str) -> io::Result<()> {
        self.file.clear();
        self.file.extend_from_slice(b"\"file\":");
        serde_json::to_writer(&mut self.file, name).map_err(io::Error::other)?;
        self.file.push(b',');
        Ok(())
    }
}

struct ErrJson(i32);

impl Serialize for ErrJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("code", &self.0)?;
        let e = errno_of(self.0).filter(|_| self.0 != 0);
        m.serialize_entry("name", &e.map(|x| x.0))?;
        m.serialize_entry("text", &e.map(|x| x.1))?;
        m.end()
    }
}

struct Hex<'a>(&'a [u8]);

impl Serialize for Hex<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes = self.0;
        s.collect_str(&Disp(move |f: &mut fmt::Formatter<'_>| write_hex(f, bytes)))
    }
}

/// Text from a capture: a JSON string when it is UTF-8 (serde_json escapes the
/// control characters); otherwise `{"text": <escaped as for terminals, \xNN for
/// the bytes that are not UTF-8>, "hex": <the raw bytes>}` (docs/json.md).
struct TextJson<'a>(&'a [u8]);

impl Serialize for TextJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(self.0) {
            Ok(t) => s.serialize_str(t),
            Err(_) => {
                let bytes = self.0;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry(
                    "text",
                    &Disp(move |f: &mut fmt::Formatter<'_>| {
                        crate::view::escape::escape(bytes).write_to(f)
                    }),
                )?;
                m.serialize_entry("hex", &Hex(bytes))?;
                m.end()
            }
        }
    }
}

/// Serializes as a string written by a formatting closure: serde_json escapes it
/// straight into the output, with no intermediate `String`.
struct Disp<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Disp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> Serialize for Disp<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

// ---------------------------------------------------------------------------------
// Exchanges and the summary

struct ExchangeJson<'a>(&'a Exchange);

impl Serialize for ExchangeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Req<'a> {
            frame: u64,
            name: &'a str,
            kind: &'static str,
            flags: u16,
            portid: u32,
        }
        let ex = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("exchange", &ex.id)?;
        m.serialize_entry(
            "request",
            &ex.request.as_ref().map(|r| Req {
                frame: r.frame,
                name: &r.name,
                kind: r.kind.as_str(),
                flags: r.flags,
                portid: r.portid,
            }),
        )?;
        if let Some(a) = &ex.answer_name {
            m.serialize_entry("answer", a)?;
        }
        m.serialize_entry("seq", &ex.seq)?;
        m.serialize_entry("portid", &ex.portid)?;
        m.serialize_entry("frames", &ex.frames)?;
        m.serialize_entry("outcome", ex.outcome.as_str())?;
        if let Outcome::Error(e) = ex.outcome {
            m.serialize_entry("error", &ErrJson(e))?;
        }
        m.serialize_entry("replies", &ex.replies)?;
        m.serialize_entry("duration_us", &(ex.duration().as_micros() as u64))?;
        if let Some(x) = &ex.extack {
            m.serialize_entry("extack", &ExtackJson(x))?;
        }
        if let Some(v) = &ex.verdict {
            m.serialize_entry("verdict", v)?;
            m.serialize_entry("verdict_agrees", &ex.verdict_agrees())?;
        }
        m.end()
    }
}

struct ExtackJson<'a>(&'a Extack);

impl Serialize for ExtackJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Policy<'a>(&'a [(String, String)]);
        impl Serialize for Policy<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        let x = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("missing", &x.missing)?;
        m.serialize_entry("missing_in", &x.missing_in)?;
        m.serialize_entry("missing_nest_offset", &x.missing_nest_offset)?;
        m.serialize_entry("msg", &x.msg.as_deref().map(TextJson))?;
        m.serialize_entry("offset", &x.offset)?;
        m.serialize_entry("path", &x.path)?;
        m.serialize_entry("policy", &Policy(&x.policy))?;
        m.serialize_entry("type", &x.attr_type)?;
        m.end()
    }
}

struct SummaryJson<'a>(&'a Summary);

impl Serialize for SummaryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct ByType<'a> {
            name: &'a str,
            direction: &'static str,
            count: u64,
        }
        #[derive(Serialize)]
        struct Errno {
            code: i32,
            name: Option<&'static str>,
            count: u64,
        }
        #[derive(Serialize)]
        struct Count {
            severity: &'static str,
            code: &'static str,
            count: u64,
        }
        #[derive(Serialize)]
        struct Dump<'a> {
            frame: u64,
            request: &'a str,
            entries: u64,
            outcome: &'static str,
        }
        #[derive(Serialize)]
        struct V {
            kernel: &'static str,
            errno: Option<&'static str>,
            count: u64,
        }
        let x = self.0;
        let (agree, disagree) = x.verdict_agreement();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("summary", &true)?;
        m.serialize_entry(
            "verdicts",
            &x.verdicts()
                .iter()
                .map(|((k, e), c)| V {
                    kernel: k,
                    errno: (!e.is_empty()).then_some(*e),
                    count: *c,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("verdicts_agree", &agree)?;
        m.serialize_entry("verdicts_disagree", &disagree)?;
        m.serialize_entry("records", &x.records())?;
        m.serialize_entry("messages", &x.messages())?;
        m.serialize_entry("duration_us", &(x.duration().as_micros() as u64))?;
        m.serialize_entry(
            "by_type",
            &x.by_type()
                .map(|(name, d, count)| ByType {
                    name,
                    direction: d.as_str(),
                    count,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("by_kind", x.kinds())?;
        m.serialize_entry("exchanges", x.outcomes())?;
        m.serialize_entry(
            "errors",
            &x.errors()
                .iter()
                .map(|(e, c)| Errno {
                    code: *e,
                    name: errno_of(*e).map(|n| n.0),
                    count: *c,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "findings",
            &x.findings()
                .iter()
                .rev()
                .map(|((s, c), n)| Count {
                    severity: s.as_str(),
                    code: c.as_str(),
                    count: *n,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "dumps",
            &x.dumps()
                .iter()
                .map(|(f, n, e, o)| Dump {
                    frame: *f,
                    request: n,
                    entries: *e,
                    outcome: o,
                })
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("more_dumps", &x.more_dumps())?;
        m.end()
    }
}
