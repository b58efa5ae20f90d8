//! The `nfct-decode` binary: arguments -> config -> run -> exit status.
//!
//! Exit status: 0 when no finding of error severity was reported, 1 when one was,
//! 2 when an input could not be read at all. A closed output pipe ends quietly
//! with status 0.

mod cli;

use clap::Parser;
use cli::{Cli, EndianArg, FormatArg};
use nfct_decode::filter::Filter;
use nfct_decode::render::conntrack::{CtOutput, LabelMap};
use nfct_decode::run::{Config, Format, RunError, Runner};
use nfct_decode::wire::Endian;
use nfct_decode::{Options, Severity};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = Config {
        format: match cli.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::None => Format::None,
            FormatArg::Conntrack => Format::Conntrack,
        },
        verbose: cli.verbose,
        decode: Options {
            endian: cli.endian.map(|e| match e {
                EndianArg::Little => Endian::Little,
                EndianArg::Big => Endian::Big,
            }),
        },
        max_messages: cli.count,
        exchanges: cli.exchanges,
        summary: cli.summary,
        ct_output: match cli.ct_output.parse::<CtOutput>() {
            Ok(o) => o,
            Err(e) => {
                eprintln!("nfct-decode: --ct-output: {e}");
                return ExitCode::from(2);
            }
        },
        replies_only: cli.replies_only,
    };
    let labels = match &cli.labels {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some(LabelMap::parse(&t)),
            Err(e) => {
                eprintln!("nfct-decode: --labels {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let mut filter = Filter::new();
    for f in &cli.filters {
        if let Err(e) = filter.add(f) {
            eprintln!("nfct-decode: --filter {f:?}: {e}");
            return ExitCode::from(2);
        }
    }
    let mut files = cli.files.clone();
    if files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut runner = Runner::new(cfg).with_filter(filter).with_labels(labels);
    let mut fatal = false;
    let show_progress = !cli.quiet && io::stderr().is_terminal();
    for path in &files {
        if runner.finished() {
            break;
        }
        let name = path.display().to_string();
        let result = if name == "-" {
            let progress = Progress::new(&name, None, show_progress);
            runner.run(ProgressReader::new(io::stdin().lock(), progress), &mut out)
        } else {
            match File::open(path) {
                Ok(f) => {
                    let total = f.metadata().ok().map(|m| m.len());
                    let progress = Progress::new(&name, total, show_progress);
                    runner.run(ProgressReader::new(f, progress), &mut out)
                }
                Err(e) => {
                    let _ = out.flush();
                    eprintln!("nfct-decode: {name}: {e}");
                    fatal = true;
                    continue;
                }
            }
        };
        match result {
            Ok(()) => {}
            Err(RunError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                return ExitCode::SUCCESS;
            }
            Err(RunError::Output(e)) => {
                eprintln!("nfct-decode: writing output: {e}");
                return ExitCode::from(2);
            }
            Err(RunError::Capture(e)) => {
                let _ = out.flush();
                eprintln!("nfct-decode: {name}: {e}");
                fatal = true;
            }
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("nfct-decode: writing output: {e}");
            return ExitCode::from(2);
        }
        return ExitCode::SUCCESS;
    }
    let c = runner.counts;
    let tail = match (runner.summary(), cfg.format) {
        (Some(s), Format::Json) => format!("{}\n", s.to_json()),
        (Some(s), _) => s.to_text(),
        (None, Format::None) => format!(
            "records={} messages={} errors={} warnings={} infos={}\n",
            c.records,
            c.messages,
            c.of(Severity::Error),
            c.of(Severity::Warning),
            c.of(Severity::Info)
        ),
        (None, _) => String::new(),
    };
    if !tail.is_empty() && io::stdout().lock().write_all(tail.as_bytes()).is_err() {
        return ExitCode::SUCCESS;
    }
    if fatal {
        ExitCode::from(2)
    } else if c.of(Severity::Error) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress line on stderr: bytes done (of the total when known) and the rate,
/// redrawn at most four times a second, erased at the end.
struct Progress {
    name: String,
    total: Option<u64>,
    enabled: bool,
    start: Instant,
    last: Instant,
    shown: bool,
}

impl Progress {
    fn new(name: &str, total: Option<u64>, enabled: bool) -> Progress {
        let now = Instant::now();
        Progress {
            name: name.to_string(),
            total,
            enabled,
            start: now,
            last: now,
            shown: false,
        }
    }

    fn update(&mut self, done: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let mb = done as f64 / 1e6;
        let line = match self.total {
            Some(t) if t > 0 => format!(
                "{}: {:.0}/{:.0} MB ({:.0}%), {:.0} MB/s",
                self.name,
                mb,
                t as f64 / 1e6,
                100.0 * done as f64 / t as f64,
                mb / secs
            ),
            _ => format!("{}: {:.0} MB, {:.0} MB/s", self.name, mb, mb / secs),
        };
        eprint!("\r{line}\x1b[K");
        self.shown = true;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
        }
    }
}

/// Counts the bytes read through it for the progress line.
struct ProgressReader<R> {
    inner: R,
    done: u64,
    progress: Progress,
}

impl<R> ProgressReader<R> {
    fn new(inner: R, progress: Progress) -> ProgressReader<R> {
        ProgressReader {
            inner,
            done: 0,
            progress,
        }
    }
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        self.progress.update(self.done);
        Ok(n)
    }
}
