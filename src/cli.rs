//! Command-line arguments (clap derive; no logic here).

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Decode and validate nlmon captures of Linux netlink, above all ctnetlink.
#[derive(Debug, Parser)]
#[command(name = "nfct-decode", version, about, long_about = None)]
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
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,

    /// Print the number of records, messages and findings at the end (on stderr
    /// unless the format is none).
    #[arg(long)]
    pub summary: bool,
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
}

/// `--endian`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndianArg {
    /// Little-endian host (x86, arm64).
    Little,
    /// Big-endian host (s390x).
    Big,
}
