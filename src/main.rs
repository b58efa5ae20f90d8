//! The `nfct-decode` binary: arguments -> config -> run -> exit status.
//!
//! Exit status (also in `--help`): 0 when no finding of error severity was
//! reported in what was selected (the messages --filter keeps, and every notice
//! about the file or a record), 1 when one was, 2 when an input could not be read
//! at all or the arguments are wrong. A closed output pipe ends quietly with
//! status 0.

mod cli;

use clap::Parser;
use cli::{Cli, EndianArg, FormatArg};
use nfct_decode::filter::{Filter, Names};
use nfct_decode::render::conntrack::{CtOutput, CtVersion, LabelMap};
use nfct_decode::run::{Config, Format, RunError, Runner};
use nfct_decode::wire::Endian;
use nfct_decode::{Capture, Options, Severity};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli::usage_error(&e),
    };
    if let Some(out) = &cli.annotate {
        return annotate(&cli, out);
    }
    if let Some(spec) = &cli.diff {
        return diff(&cli, spec);
    }
    let mut runner = match setup(&cli) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("nfct-decode: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let fatal = match run_files(&cli, &mut runner, &mut out) {
        Ok(fatal) => fatal,
        Err(e) => return output_error(&e),
    };
    if let Err(e) = runner.finish(&mut out).and_then(|()| out.flush()) {
        return output_error(&e);
    }
    if let Some(f) = runner.flows().filter(|_| !cli.quiet) {
        eprintln!(
            "nfct-decode: --flows: {} entries, at most {} alive at once",
            f.written, f.max_alive
        );
    }
    if let (Some(path), Some(f)) = (&cli.svg, runner.flows()) {
        if let Err(e) = std::fs::write(path, nfct_decode::svg::render(f)) {
            eprintln!("nfct-decode: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if fatal {
        ExitCode::from(2)
    } else if runner.counts.of(Severity::Error) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A closed pipe ends quietly with status 0; other output errors with status 2.
/// `--diff [A,B]`: the changes between two complete dumps.
fn diff(cli: &Cli, spec: &str) -> ExitCode {
    use nfct_decode::diff::{change_text, diff, Collector, Pick};
    let files: Vec<&PathBuf> = cli.files.iter().collect();
    if files.is_empty() || files.len() > 2 {
        eprintln!("nfct-decode: --diff reads one capture (two dumps in it) or two captures");
        return ExitCode::from(2);
    }
    let spec = match (spec.is_empty(), files.len()) {
        (true, 1) => "1,last",
        (true, _) => "last,last",
        (false, _) => spec,
    };
    let picks: Result<Vec<Pick>, String> = spec.split(',').map(Pick::parse).collect();
    let picks = match picks {
        Ok(p) if p.len() == 2 => p,
        Ok(_) => {
            eprintln!("nfct-decode: --diff {spec:?}: two dumps, A,B");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("nfct-decode: --diff {e}");
            return ExitCode::from(2);
        }
    };
    let opts = decode_options(cli);
    // One collector per file: both picks from the one file, or one from each.
    let jobs: Vec<(&PathBuf, Vec<Pick>)> = match (files.as_slice(), picks.as_slice()) {
        ([one], _) => vec![(*one, picks.clone())],
        ([a, b], [pa, pb]) => vec![(*a, vec![*pa]), (*b, vec![*pb])],
        _ => Vec::new(),
    };
    // First pass: hashes of every entry of the chosen dumps.
    let run = |path: &PathBuf, mut c: Collector| -> Result<Collector, String> {
        let f = File::open(path).map_err(|e| e.to_string())?;
        let mut cap =
            Capture::from_reader(io::BufReader::new(f), opts).map_err(|e| e.to_string())?;
        while let Some(m) = cap.next_message().map_err(|e| e.to_string())? {
            c.observe(m.frame(), &m);
        }
        Ok(c)
    };
    let mut dumps: Vec<(&PathBuf, nfct_decode::diff::Dump)> = Vec::new();
    for (path, picks) in jobs {
        let name = path.display().to_string();
        let collector = match run(path, Collector::compact(picks)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("nfct-decode: {name}: {e}");
                return ExitCode::from(2);
            }
        };
        let n = collector.dumps();
        for (i, d) in collector.chosen.into_iter().enumerate() {
            match d {
                Some(d) => dumps.push((path, d)),
                None => {
                    eprintln!(
                        "nfct-decode: {name}: no complete dump {:?} ({n} complete dumps)",
                        spec.split(',').nth(i).unwrap_or("")
                    );
                    return ExitCode::from(2);
                }
            }
        }
    }
    let [(pa, a), (pb, b)] = match <[(&PathBuf, nfct_decode::diff::Dump); 2]>::try_from(dumps) {
        Ok(two) => two,
        Err(_) => return ExitCode::from(2),
    };
    // Second pass: the entries that differ, in full.
    let [removed, changed, added] = nfct_decode::diff::differing(&a, &b);
    let full = |path: &PathBuf, d: &nfct_decode::diff::Dump, keys| {
        run(path, Collector::want(d, keys)).map(|c| c.chosen.into_iter().flatten().next())
    };
    let (fa, fb) = match (
        full(pa, &a, removed.union(&changed).copied().collect()),
        full(pb, &b, added.union(&changed).copied().collect()),
    ) {
        (Ok(Some(x)), Ok(Some(y))) => (x, y),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("nfct-decode: --diff: {e}");
            return ExitCode::from(2);
        }
        _ => {
            eprintln!("nfct-decode: --diff: the dumps changed between the two passes");
            return ExitCode::from(2);
        }
    };
    let (na, nb) = (pa.display().to_string(), pb.display().to_string());
    let changes = diff(&fa, &fb);
    let mut out = BufWriter::new(io::stdout().lock());
    let r = (|| -> io::Result<()> {
        if cli.format == FormatArg::Json {
            let head = serde_json::json!({"diff_from": {"file": na, "dump": a.n, "frames": [a.frames.0, a.frames.1], "entries": a.count},
                "diff_to": {"file": nb, "dump": b.n, "frames": [b.frames.0, b.frames.1], "entries": b.count}});
            writeln!(out, "{head}")?;
            for c in &changes {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(c).map_err(io::Error::other)?
                )?;
            }
        } else {
            writeln!(
                out,
                "# dump {} (frames {}-{}, {} entries) of {na} -> dump {} (frames {}-{}, {} entries) of {nb}: {} changes",
                a.n, a.frames.0, a.frames.1, a.count, b.n, b.frames.0, b.frames.1, b.count, changes.len()
            )?;
            for c in &changes {
                out.write_all(change_text(c).as_bytes())?;
            }
        }
        out.flush()
    })();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output_error(&e),
    }
}

/// The decoder's options of the command line (`--endian`).
fn decode_options(cli: &Cli) -> Options {
    Options {
        endian: cli.endian.map(|e| match e {
            EndianArg::Little => Endian::Little,
            EndianArg::Big => Endian::Big,
        }),
        validate_only: false,
    }
}

/// `--annotate OUT`: the one input file written back with its findings as comments.
fn annotate(cli: &Cli, out: &PathBuf) -> ExitCode {
    let input = match cli.files.as_slice() {
        [input] if input.as_os_str() != "-" => input,
        _ => {
            eprintln!(
                "nfct-decode: --annotate reads one capture file (it is read twice: not stdin)"
            );
            return ExitCode::from(2);
        }
    };
    let opts = decode_options(cli);
    let file = match File::create(out) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("nfct-decode: {}: {e}", out.display());
            return ExitCode::from(2);
        }
    };
    let result = nfct_decode::annotate::annotate(
        || File::open(input).map(io::BufReader::new),
        BufWriter::new(file),
        opts,
    );
    match result {
        Ok(a) => {
            println!(
                "{}: {} records, {} with comments ({} comments)",
                out.display(),
                a.records,
                a.annotated,
                a.comments
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nfct-decode: {}: {e}", input.display());
            ExitCode::from(2)
        }
    }
}

fn output_error(e: &io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("nfct-decode: writing output: {e}");
    ExitCode::from(2)
}

/// The runner the arguments ask for (settings, filter, label names); the error is
/// one line naming the option.
fn setup(cli: &Cli) -> Result<Runner, String> {
    refuse_inapplicable(cli)?;
    let cfg = Config {
        format: match cli.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::None => Format::None,
            FormatArg::Conntrack => Format::Conntrack,
        },
        verbose: cli.verbose,
        decode: decode_options(cli),
        max_messages: cli.count,
        exchanges: cli.exchanges,
        flows: cli.flows,
        summary: cli.summary,
        ct_output: CtOutput {
            fix: cli.ct_fix,
            version: match &cli.ct_version {
                Some(v) => v.parse().map_err(|e| format!("--ct-version: {e}"))?,
                None => CtVersion::default(),
            },
            ..cli
                .ct_output
                .parse::<CtOutput>()
                .map_err(|e| format!("--ct-output: {e}"))?
        },
        replies_only: cli.replies_only,
    };
    let labels = match &cli.labels {
        Some(p) => Some(LabelMap::parse(
            &std::fs::read_to_string(p).map_err(|e| format!("--labels {}: {e}", p.display()))?,
        )),
        None => None,
    };
    let names = Names {
        labels: labels.clone().unwrap_or_default(),
    };
    let mut filter = Filter::new();
    for f in &cli.filters {
        filter
            .add_with(f, &names)
            .map_err(|e| format!("--filter {f:?}: {e}"))?;
    }
    Ok(Runner::new(cfg).with_filter(filter).with_labels(labels))
}

/// Options that would have no effect with the others are refused, in one line.
fn refuse_inapplicable(cli: &Cli) -> Result<(), String> {
    let conntrack = cli.format == FormatArg::Conntrack;
    let label_filter = cli.filters.iter().any(|f| f.contains("label="));
    let rules: [(bool, &str); 10] = [
        (
            cli.flows && cli.exchanges,
            "--flows and --exchanges are two views: choose one",
        ),
        (
            cli.flows && conntrack,
            "--flows prints text or JSON, not -f conntrack lines",
        ),
        (
            cli.ct_fix && !conntrack,
            "--ct-fix applies to -f conntrack only",
        ),
        (
            cli.ct_version.is_some() && !conntrack,
            "--ct-version applies to -f conntrack only",
        ),
        (
            !cli.ct_output.is_empty() && !conntrack,
            "--ct-output applies to -f conntrack only",
        ),
        (
            cli.replies_only && !conntrack,
            "--replies-only applies to -f conntrack only",
        ),
        (
            cli.labels.is_some() && !conntrack && !label_filter,
            "--labels applies to -f conntrack and to --filter label= only",
        ),
        (
            cli.verbose && cli.exchanges,
            "-v has no effect with --exchanges (one line per exchange)",
        ),
        (
            cli.verbose && cli.format != FormatArg::Text,
            "-v applies to the text format only",
        ),
        (
            cli.exchanges && conntrack,
            "--exchanges prints text or JSON, not -f conntrack lines",
        ),
    ];
    match rules.iter().find(|(bad, _)| *bad) {
        Some((_, why)) => Err(why.to_string()),
        None => Ok(()),
    }
}

/// Decodes every input in turn (`-` or none: standard input). `Ok(true)` when one
/// could not be read at all (reported on stderr, the others still decoded); `Err`
/// when writing the output failed.
fn run_files(cli: &Cli, runner: &mut Runner, out: &mut dyn Write) -> io::Result<bool> {
    let stdin = [PathBuf::from("-")];
    let files = if cli.files.is_empty() {
        &stdin[..]
    } else {
        &cli.files[..]
    };
    let show_progress = !cli.quiet && io::stderr().is_terminal();
    if cli.files.is_empty() && io::stdin().is_terminal() {
        eprintln!("nfct-decode: reading a capture from standard input (name a FILE, or pipe one in; --help)");
    }
    let several = files.len() > 1;
    let threads = match cli.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut fatal = false;
    for path in files {
        if runner.finished() {
            break;
        }
        let name = path.display().to_string();
        if several {
            runner.start_input(&name, out)?;
        }
        let result = if name == "-" {
            let progress = Progress::new(&name, None, show_progress);
            // A pipe may be a live capture (`tcpdump -U -w - | nfct-decode -`):
            // batches would hold records back until 128 KiB arrived, so stdin is
            // decoded on one thread unless -j says otherwise.
            let threads = cli.threads.map_or(1, usize::from);
            // What was printed is flushed before each read of stdin that may wait:
            // a live capture's lines come as its records do.
            let shared = RefCell::new(&mut *out);
            let input = FlushBeforeRead {
                inner: ProgressReader::new(io::stdin().lock(), progress),
                out: &shared,
            };
            runner.run_threads(input, &mut SharedOut(&shared), threads)
        } else {
            match File::open(path) {
                Ok(f) => {
                    let total = f.metadata().ok().map(|m| m.len());
                    let progress = Progress::new(&name, total, show_progress);
                    runner.run_threads(ProgressReader::new(f, progress), out, threads)
                }
                Err(e) => {
                    out.flush()?;
                    eprintln!("nfct-decode: {name}: {e}");
                    fatal = true;
                    continue;
                }
            }
        };
        match result {
            Ok(()) => {}
            Err(RunError::Output(e)) => return Err(e),
            Err(RunError::Capture(e)) => {
                out.flush()?;
                eprintln!("nfct-decode: {name}: {e}");
                fatal = true;
            }
        }
    }
    Ok(fatal)
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
/// The output, shared by the runner (which writes) and [`FlushBeforeRead`].
struct SharedOut<'a, 'b, W: Write + ?Sized>(&'a RefCell<&'b mut W>);

impl<W: Write + ?Sized> Write for SharedOut<'_, '_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.try_borrow_mut() {
            Ok(mut o) => o.write(buf),
            Err(_) => Err(io::Error::other("the output is in use")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.0.try_borrow_mut() {
            Ok(mut o) => o.flush(),
            Err(_) => Ok(()),
        }
    }
}

/// A reader that flushes the output before each read (for stdin, where a read
/// may wait for a live capture's next record).
struct FlushBeforeRead<'a, 'b, R, W: Write + ?Sized> {
    inner: R,
    out: &'a RefCell<&'b mut W>,
}

impl<R: Read, W: Write + ?Sized> Read for FlushBeforeRead<'_, '_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Ok(mut o) = self.out.try_borrow_mut() {
            // A closed pipe is reported by the next write.
            let _ = o.flush();
        }
        self.inner.read(buf)
    }
}

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
