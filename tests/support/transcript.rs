//! The ground truth of the recorded captures: the `corpus/captures/X.txt`
//! transcripts of the traced `conntrack` commands and what they printed.
//!
//! A transcript is a sequence of `$ cmd` lines (traced commands; `timeout -s INT N`
//! and `(background)` are taken off), each followed by its output: conntrack's
//! `conntrack v1.4.7 (conntrack-tools): ...` summary lines, the entry lines, and an
//! `[exit status N]` (or `[exit N]`) line that closes it. `#` lines are comments
//! and also close the command; the lines after a `# (not traced) conntrack -L |
//! head -5:` comment are samples of a listing that was not traced (big_dump).

use super::corpus;
use super::locate::Request;

/// Transcripts that are no conntrack output: a shell script of several tools (its
/// `conntrack -L` output is mixed with ip/nft/ss output) and python programs of
/// hand-built requests.
pub const NOT_CONNTRACK: &[&str] = &["mixed", "errors_extack", "errors_capped", "interleaved"];

/// One traced (`$ `) command and its output.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// 1-based line of the `$ ` line in the .txt.
    pub line: usize,
    /// The command as typed, without `$ `, `timeout -s INT N` and `(background)`.
    pub text: String,
    pub args: Vec<String>,
    pub background: bool,
    /// Output lines other than the summary lines and the exit status, exactly as
    /// printed (trailing blanks kept); empty lines are left out.
    pub out: Vec<String>,
    /// `conntrack v1.4.7 (conntrack-tools): ...` lines.
    pub summary: Vec<String>,
    pub exit: Option<i32>,
}

/// What a traced conntrack command does, by its command option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `-E` / `--event`: prints the multicast events of its subsystem.
    Events,
    /// `-L` / `--dump` / `-D` / `-U` (`-L -z`, `-L expect`): a dump.
    List,
    /// `-G` / `--get`: one CT GET.
    Get,
    /// `-S` / `--stats`: the per-CPU stats dump.
    Stats,
    /// `-C` / `--count`.
    Count,
    /// `-I` / `--create`.
    Create,
    /// `-F` / `--flush`.
    Flush,
}

impl Cmd {
    pub fn has(&self, a: &str) -> bool {
        self.args.iter().any(|x| x == a)
    }

    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|a| self.has(a))
    }

    /// The value following option `a` (any of the spellings).
    pub fn opt(&self, names: &[&str]) -> Option<&str> {
        let i = self.args.iter().position(|x| names.contains(&x.as_str()))?;
        self.args.get(i + 1).map(String::as_str)
    }

    /// Whether it works on expectations (`conntrack ... expect`).
    pub fn expect(&self) -> bool {
        self.has("expect")
    }

    /// `{capture} `{text}` (line {line})`, to say where an assertion failed.
    pub fn what(&self, capture: &str) -> String {
        format!("{capture} `{}` (line {})", self.text, self.line)
    }

    /// What it does (None: no case for this command).
    pub fn op(&self) -> Option<Op> {
        Some(if self.has_any(&["-E", "--event"]) {
            Op::Events
        } else if self.has_any(&["-L", "--dump", "-D", "-U"]) {
            Op::List
        } else if self.has_any(&["-G", "--get"]) {
            Op::Get
        } else if self.has_any(&["-S", "--stats"]) {
            Op::Stats
        } else if self.has_any(&["-C", "--count"]) {
            Op::Count
        } else if self.has_any(&["-I", "--create"]) {
            Op::Create
        } else if self.has_any(&["-F", "--flush"]) {
            Op::Flush
        } else {
            return None;
        })
    }

    /// The *primary request* the command sends first, by its options: `-L` = CT GET
    /// dump, `-L -z` = GET_CTRZERO dump, `-G` = CT GET, `-D` / `-U` = CT GET dump,
    /// `-S` = GET_STATS_CPU dump, `-C` = GET_STATS, `-I` / `-F` = NEW / DELETE,
    /// `expect` = the same in CTNETLINK_EXP, `-C expect` = EXP GET dump, `-S expect`
    /// = EXP GET_STATS_CPU dump. None for `-E` (it sends none) and unknown commands.
    pub fn request(&self) -> Option<Request> {
        let expect = self.expect();
        let subsys = if expect { 2 } else { 1 };
        let (subsys, msg, dump) = match self.op()? {
            Op::Events => return None,
            Op::List => match (expect, self.has("-z")) {
                (true, _) => (2, 1, true),
                (false, true) => (1, 3, true),
                (false, false) => (1, 1, true),
            },
            Op::Get => (1, 1, false),
            Op::Stats if expect => (2, 3, true),
            Op::Stats => (1, 4, true),
            Op::Count if expect => (2, 1, true),
            Op::Count => (1, 5, false),
            Op::Create => (subsys, 0, false),
            Op::Flush => (subsys, 2, false),
        };
        Some(Request { subsys, msg, dump })
    }

    /// `-e NEW` (`--event-mask`) of an `-E`: only NEW events are printed. Panics
    /// on another mask, so nothing is silently ignored.
    pub fn only_new_events(&self) -> bool {
        match self.opt(&["-e", "--event-mask"]) {
            None => false,
            Some("NEW") => true,
            Some(o) => panic!("`{}` (line {}): -e {o}", self.text, self.line),
        }
    }

    /// The number at the start of the summary's "N ... have been ..." part.
    pub fn summary_count(&self) -> Option<usize> {
        self.summary.iter().find_map(|s| {
            let rest = s.split("): ").nth(1)?;
            let n = rest.split_whitespace().next()?;
            if rest.contains("have been") {
                n.parse().ok()
            } else {
                None
            }
        })
    }
}

/// A parsed .txt: the traced commands, and the lines of a `# (not traced)
/// conntrack -L | head -5:` block (big_dump).
#[derive(Debug, Default)]
pub struct Transcript {
    pub cmds: Vec<Cmd>,
    pub samples: Vec<String>,
}

impl Transcript {
    /// The traced command typed as `text`.
    pub fn find(&self, text: &str) -> &Cmd {
        self.cmds
            .iter()
            .find(|c| c.text == text)
            .unwrap_or_else(|| panic!("no traced command `{text}`"))
    }
}

/// Parses a transcript.
pub fn parse(text: &str) -> Transcript {
    let mut t = Transcript::default();
    let mut cur: Option<Cmd> = None;
    let mut in_samples = false;
    for (n, line) in text.lines().enumerate() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            t.cmds.extend(cur.take());
            in_samples = false;
            let background = cmd.contains("(background)");
            let cmd = cmd.replace("(background)", "");
            let mut args: Vec<String> = cmd.split_whitespace().map(String::from).collect();
            if args.first().map(String::as_str) == Some("timeout") {
                // timeout -s INT N conntrack ...
                args.drain(..4);
            }
            cur = Some(Cmd {
                line: n + 1,
                text: args.join(" "),
                args,
                background,
                out: Vec::new(),
                summary: Vec::new(),
                exit: None,
            });
            continue;
        }
        if line.starts_with('#') {
            t.cmds.extend(cur.take());
            in_samples = line.contains("| head");
            continue;
        }
        if in_samples {
            t.samples.push(line.to_string());
            continue;
        }
        let Some(c) = cur.as_mut() else { continue };
        if let Some(rest) = line
            .strip_prefix("[exit status ")
            .or_else(|| line.strip_prefix("[exit "))
        {
            c.exit = rest.trim_end_matches(']').parse().ok();
            t.cmds.extend(cur.take());
        } else if line.starts_with("conntrack v") {
            c.summary.push(line.to_string());
        } else if !line.is_empty() {
            c.out.push(line.to_string());
        }
    }
    t.cmds.extend(cur.take());
    t
}

/// The transcript `name` (relative to corpus/captures, extension included).
pub fn read(name: &str) -> Transcript {
    let p = corpus::path(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    parse(&text)
}

/// The names (without `.txt`) of the conntrack transcripts directly in
/// corpus/captures, sorted: every `.txt` but [`NOT_CONNTRACK`].
pub fn conntrack_transcripts() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus::DIR)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus::DIR))
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.extension()? == "txt").then_some(stem)
        })
        .filter(|n| !NOT_CONNTRACK.contains(&n.as_str()))
        .collect();
    names.sort();
    names
}
