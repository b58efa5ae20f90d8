//! Command-line arguments (clap derive; no logic here).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// `--help`'s last words.
const AFTER_HELP: &str = "\
Exit status: 0 no finding of error severity in what was selected (the messages
--filter keeps, and every notice about the file or a record); 1 one or more; 2 an
input could not be read at all, or the arguments are wrong.";

/// Decode and validate nlmon captures of Linux netlink, above all ctnetlink.
#[derive(Debug, Parser)]
#[command(name = "nfct-decode", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Capture files (pcap or pcapng); `-` or none reads standard input.
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Text format: print the attribute tree and findings under each message.
    #[arg(short, long)]
    pub verbose: bool,

    /// Byte order of the netlink headers (default: detected per record).
    #[arg(long, value_enum)]
    pub endian: Option<EndianArg>,

    /// Stop after N messages.
    #[arg(
        short = 'c',
        long = "count",
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub count: Option<u64>,

    /// Decoding threads (default: one per core for files, one for standard input,
    /// which may be a live capture that batches would hold back). The output is in
    /// capture order and byte for byte the same whatever N; `-j 1` decodes on the
    /// reading thread alone.
    #[arg(
        short = 'j',
        long = "threads",
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub threads: Option<u16>,

    /// Write the capture to OUT as pcapng with a packet comment (opt_comment) for
    /// every finding and verdict of each record (`frame.comment` in Wireshark);
    /// every record and timestamp kept as it is. One input file (read twice).
    #[arg(long, value_name = "OUT.pcapng")]
    pub annotate: Option<PathBuf>,

    /// Print what changed between two complete dumps of the table (`--diff` or
    /// `--diff=A,B`): entries added (+), removed (-) and changed (~, with the
    /// fields). A,B: dump numbers (1 is
    /// the first complete dump), @FRAME (the dump holding a reply in that frame)
    /// or last. One file: both dumps from it (default 1,last); two files: A from
    /// the first, B from the second (default last,last).
    #[arg(
        long,
        value_name = "A,B",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub diff: Option<String>,

    /// No progress indicator (it is shown on stderr only when stderr is a terminal).
    #[arg(short, long)]
    pub quiet: bool,

    /// Print a summary at the end: messages by type and direction, events, exchanges
    /// by outcome, errors by errno, findings by code, dumps, capture duration. With
    /// `-f none`, the summary alone.
    #[arg(long)]
    pub summary: bool,

    /// Print one line (or JSON object) per conntrack entry instead of messages:
    /// its timeline across dumps, events, requests and queued packets (first and
    /// last seen, states, status bits, NAT, mark, labels, helper, counters, how it
    /// ended, anomalies); with -v its history.
    #[arg(long)]
    pub flows: bool,

    /// With --flows: also draw the table's size over time, events per second by
    /// kind and the notable entries as timelines into OUT.svg.
    #[arg(long, value_name = "OUT.svg", requires = "flows")]
    pub svg: Option<PathBuf>,

    /// Print one line (or JSON object) per exchange: a request, its replies and its
    /// ack or error, with the outcome and extended ACKs resolved to attribute paths.
    #[arg(long)]
    pub exchanges: bool,

    /// Only messages matching EXPR (repeatable; all must match). EXPR is terms
    /// `key=value[,value]` joined by `and` / `&&` (binding tighter) and `or` / `||`,
    /// negated with `!` or `not`, grouped with parentheses. Keys: kind, dir, subsys,
    /// msg, family, proto, addr, src, dst (CIDR), port, sport, dport, zone,
    /// orig-zone, reply-zone, mark
    /// (N[/MASK]), status, errno, findings[=SEVERITY], code, frame (N, N-M, N-),
    /// nat (src, dst, any), label (bit or --labels name), state (tcp/sctp/dccp),
    /// helper. Notices about the file or a record are shown whatever it selects.
    #[arg(long = "filter", value_name = "EXPR")]
    pub filters: Vec<String>,

    /// Conntrack format: conntrack's `-o` options, comma-separated: extended, id,
    /// timestamp, ktimestamp, labels, xml.
    #[arg(long = "ct-output", value_name = "LIST", default_value = "")]
    pub ct_output: String,

    /// Conntrack format: print what this conntrack-tools release prints: 1.4.7,
    /// 1.4.8 or 1.4.9 (default). 1.4.9 prints the kernel's event time for
    /// `-E -o timestamp` and no `[USERSPACE] portid=` in XML.
    #[arg(long = "ct-version", value_name = "VERSION")]
    pub ct_version: Option<String>,

    /// Conntrack format: fix what conntrack gets wrong: SCTP and DCCP states named
    /// from the TCP table in XML, and XML that is not well-formed (the
    /// `[USERSPACE]` suffix, no footer after `-G`, unescaped strings).
    #[arg(long = "ct-fix")]
    pub ct_fix: bool,

    /// Conntrack format: connlabel.conf giving names to label bits (without it,
    /// `labels=` lists bit numbers).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,

    /// Conntrack format: print only what conntrack prints, no `#` comment lines for
    /// requests, acks, errors and other messages.
    #[arg(long)]
    pub replies_only: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One line per message; `-v` adds the attribute tree.
    Text,
    /// JSON Lines, one object per message (docs/json.md).
    Json,
    /// Validate only: no per-message output.
    None,
    /// The lines conntrack-tools 1.4.7 prints (`conntrack -L/-G/-E/-S/-C`).
    Conntrack,
}

/// `--endian`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndianArg {
    /// Little-endian host (x86, arm64).
    Little,
    /// Big-endian host (s390x).
    Big,
}

/// Prints a clap error the tool's way: `--help` and `--version` as clap writes
/// them (status 0); anything else as one line on stderr, `nfct-decode: ...`, with
/// the valid values when clap knows them (status 2).
pub fn usage_error(e: &clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    eprintln!("nfct-decode: {}", one_line(e));
    ExitCode::from(2)
}

/// The first line of clap's message without its `error: ` and its tips, plus the
/// valid values.
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_string();
    if let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) {
        if !valid.is_empty() && !line.contains("possible values") {
            line.push_str(&format!(" (valid: {})", valid.join(", ")));
        }
    }
    line.push_str(" (see --help)");
    line
}
