//! `--annotate OUT.pcapng` (issue 16): the capture written back as pcapng with a
//! packet comment (pcapng `opt_comment`) for every finding and verdict of each
//! record, so that a Wireshark user sees them and filters with
//! `frame.comment contains "value_too_short"`.
//!
//! Two passes over the input file: the decoder's pass collects the comments of each
//! frame number (nothing for clean records, so memory grows only with the number of
//! findings), then pcap-file's readers copy every record and block as it is
//! (classic pcap becomes one section with one interface of its link type, snap
//! length and time resolution) and add the comments to the packet blocks.
//! Records are numbered as tshark numbers frames (every packet block, also the
//! ones the decoder skips), as the decoder does. A Simple Packet Block with
//! comments becomes an Enhanced Packet Block (it has no options) of interface 0 and
//! timestamp 0, which is what the simple block means.

use crate::capture::{CaptureError, CaptureReader, Event};
use crate::decode::{Decoder, Options};
use crate::model::Record;
use crate::view::escape::escape;
use pcap_file::pcap::{PcapReader, PcapTsResolution};
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption, InterfaceTsResolution,
};
use pcap_file::pcapng::blocks::opt_common::CommonOption;
use pcap_file::pcapng::{Block, PcapNgReader, PcapNgWriter};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io::{Read, Write};

/// What [`annotate`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Annotated {
    /// Records written (every record of the input).
    pub records: u64,
    /// Records that got comments.
    pub annotated: u64,
    /// Comments written.
    pub comments: u64,
}

/// Why [`annotate`] failed.
#[derive(Debug)]
pub enum AnnotateError {
    /// The input is not a readable capture.
    Capture(CaptureError),
    /// Reading the input a second time or writing the output failed.
    Io(String),
}

impl fmt::Display for AnnotateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnnotateError::Capture(e) => write!(f, "{e}"),
            AnnotateError::Io(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for AnnotateError {}

fn io<E: fmt::Display>(what: &'static str) -> impl Fn(E) -> AnnotateError {
    move |e| AnnotateError::Io(format!("{what}: {e}"))
}

/// The comments of each frame: every finding (of the record, of its messages, of
/// the capture about it) as `severity code at path (offset N): message`, and every
/// verdict on a request as `kernel: ...`. Strings from the capture are escaped.
pub fn comments<R: Read>(
    input: R,
    opts: Options,
) -> Result<BTreeMap<u64, Vec<String>>, CaptureError> {
    let mut reader = CaptureReader::new(input)?;
    let decoder = Decoder::new(opts);
    let mut rec = Record::default();
    let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let text = |s: String| escape(s.as_bytes()).to_string();
    while let Some(ev) = reader.next_event() {
        match ev {
            Event::Notice {
                frame: Some(n),
                finding,
            } => out.entry(n).or_default().push(text(finding.to_string())),
            Event::Notice { frame: None, .. } => {}
            Event::Frame(f) => {
                decoder.decode_record(f.data, f.meta.link.protocol, &mut rec);
                let mut list: Vec<String> =
                    f.findings.iter().map(|x| text(x.to_string())).collect();
                list.extend(rec.findings.iter().map(|x| text(x.to_string())));
                for m in &rec.messages {
                    if let Some(v) = &m.verdict {
                        let mut s = String::new();
                        let _ = write!(s, "kernel: {v}");
                        list.push(text(s));
                    }
                }
                if !list.is_empty() {
                    out.entry(f.meta.number).or_default().extend(list);
                }
            }
        }
    }
    Ok(out)
}

fn comment_options(list: Option<&Vec<String>>) -> Vec<EnhancedPacketOption<'static>> {
    list.map(|l| {
        l.iter()
            .map(|c| EnhancedPacketOption::Common(CommonOption::Comment(Cow::Owned(c.clone()))))
            .collect()
    })
    .unwrap_or_default()
}

/// Writes the capture `open()` reads (called twice: once to decode, once to copy)
/// to `out` as pcapng with the comments of [`comments`].
pub fn annotate<R: Read, W: Write>(
    mut open: impl FnMut() -> std::io::Result<R>,
    out: W,
    opts: Options,
) -> Result<Annotated, AnnotateError> {
    let notes =
        comments(open().map_err(io("reading the input"))?, opts).map_err(AnnotateError::Capture)?;
    let mut input = open().map_err(io("reading the input again"))?;
    let mut magic = [0u8; 4];
    input
        .read_exact(&mut magic)
        .map_err(io("reading the input again"))?;
    let input = std::io::Cursor::new(magic).chain(input);
    let mut w = PcapNgWriter::new(out).map_err(io("writing the output"))?;
    let mut stats = Annotated::default();
    let mut frame = 0u64;
    let write = |w: &mut PcapNgWriter<W>,
                 stats: &mut Annotated,
                 epb: EnhancedPacketBlock<'_>,
                 frame: u64| {
        stats.records += 1;
        if let Some(l) = notes.get(&frame) {
            stats.annotated += 1;
            stats.comments += l.len() as u64;
        }
        w.write_pcapng_block(epb).map(|_| ())
    };
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = PcapNgReader::new(input).map_err(io("reading the input again"))?;
        // The reader's first section header: the writer has written its own.
        let mut first = true;
        while let Some(block) = r.next_block() {
            let Ok((block, _)) = block else { break };
            match block {
                Block::SectionHeader(_) if first => {}
                Block::EnhancedPacket(mut epb) => {
                    frame += 1;
                    epb.options.extend(comment_options(notes.get(&frame)));
                    write(&mut w, &mut stats, epb, frame).map_err(io("writing the output"))?;
                }
                Block::SimplePacket(spb) => {
                    frame += 1;
                    match notes.get(&frame) {
                        Some(_) => {
                            let epb = EnhancedPacketBlock {
                                interface_id: 0,
                                timestamp: std::time::Duration::ZERO,
                                original_len: spb.original_len,
                                data: spb.data,
                                options: comment_options(notes.get(&frame)),
                            };
                            write(&mut w, &mut stats, epb, frame)
                                .map_err(io("writing the output"))?;
                        }
                        None => {
                            stats.records += 1;
                            w.write_block(&Block::SimplePacket(spb))
                                .map_err(io("writing the output"))?;
                        }
                    }
                }
                Block::Packet(pb) => {
                    frame += 1;
                    let epb = EnhancedPacketBlock {
                        interface_id: u32::from(pb.interface_id),
                        timestamp: pb.timestamp,
                        original_len: pb.original_len,
                        data: pb.data,
                        options: comment_options(notes.get(&frame)),
                    };
                    write(&mut w, &mut stats, epb, frame).map_err(io("writing the output"))?;
                }
                other => {
                    w.write_block(&other).map_err(io("writing the output"))?;
                }
            }
            first = false;
        }
    } else {
        let mut r = PcapReader::new(input).map_err(io("reading the input again"))?;
        let h = r.header();
        let mut options = Vec::new();
        if h.ts_resolution == PcapTsResolution::NanoSecond {
            options.push(InterfaceDescriptionOption::IfTsResol(
                InterfaceTsResolution::NANO,
            ));
        }
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: h.datalink,
            snaplen: h.snaplen,
            options,
        })
        .map_err(io("writing the output"))?;
        while let Some(p) = r.next_packet() {
            let Ok(p) = p else { break };
            frame += 1;
            let epb = EnhancedPacketBlock {
                interface_id: 0,
                timestamp: p.timestamp(),
                original_len: p.orig_len(),
                data: Cow::Owned(p.data().to_vec()),
                options: comment_options(notes.get(&frame)),
            };
            write(&mut w, &mut stats, epb, frame).map_err(io("writing the output"))?;
        }
    }
    w.into_inner().flush().map_err(io("writing the output"))?;
    Ok(stats)
}
