//! `--format conntrack` against the real tool (issue 6).
//!
//! Every traced `conntrack` command in `corpus/captures/X.txt` printed lines for the
//! kernel's replies and events held in `X.pcap`. For each command we render those
//! messages with the same `-o` options and require the very same bytes:
//!
//! * `-L` / `-D` (and `-L expect`, `-L -z`): the replies of the command's dump (the
//!   next dump request of its kind, replies by portid up to NLMSG_DONE). Without
//!   userspace filter options the printed lines equal ours, in order; with them
//!   (conntrack filters ports, addresses, zones, NAT, labels in userspace) the printed
//!   lines are an in-order subsequence of ours, each one exact.
//! * `-U`: the replies to the CT GETs conntrack sends inside its dump.
//! * `-G`: the reply to the next CT GET (or no line, for an error).
//! * `-E` (background, `-E expect`, `-e NEW`): the multicast events of the subsystem.
//! * `-S`, `-S expect`: one line per CPU, trailing blank included; `-C`: the count.
//! * `-I`, `-F`: conntrack prints no entry, and we print a comment for the ack/error.
//!
//! Options as conntrack 1.4.7 applies them: `-o` as given, except that `-D` ignores
//! ktimestamp and labels and `-G` / `-U` ignore ktimestamp (their callbacks do not
//! pass them), and any label option loads the label map (so `labels=` prints).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::expect_used
)]

use nfct_decode::model::{Direction, EventKind, Kind};
use nfct_decode::render::conntrack::{ConntrackRenderer, CtOutput, LabelMap, LineKind};
use nfct_decode::{decode_capture, Options};
use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/captures");

/// Captures recorded for this test, in corpus/captures/more.
const MORE: &[&str] = &["ct_output"];

/// Where capture `name` is.
fn path(name: &str, ext: &str) -> String {
    if MORE.contains(&name) {
        format!("{DIR}/more/{name}.{ext}")
    } else {
        format!("{DIR}/{name}.{ext}")
    }
}

/// Transcripts that are not conntrack output.
const NOT_CONNTRACK: &[&str] = &["mixed", "errors_extack", "errors_capped", "interleaved"];

struct Cmd {
    line: usize,
    args: Vec<String>,
    background: bool,
    out: Vec<String>,
    exit: Option<i32>,
}

impl Cmd {
    fn has(&self, a: &str) -> bool {
        self.args.iter().any(|x| x == a)
    }
    fn opt(&self, names: &[&str]) -> Option<&str> {
        let i = self.args.iter().position(|x| names.contains(&x.as_str()))?;
        self.args.get(i + 1).map(String::as_str)
    }
    fn text(&self) -> String {
        self.args.join(" ")
    }
}

/// The traced commands and their output lines (exact bytes, trailing blanks kept).
fn transcript(text: &str) -> Vec<Cmd> {
    let mut cmds: Vec<Cmd> = Vec::new();
    let mut open = false;
    for (n, line) in text.lines().enumerate() {
        if let Some(c) = line.strip_prefix("$ ") {
            let background = c.contains("(background)");
            let mut args: Vec<String> = c
                .replace("(background)", "")
                .split_whitespace()
                .map(String::from)
                .collect();
            if args.first().map(String::as_str) == Some("timeout") {
                args.drain(..4);
            }
            cmds.push(Cmd {
                line: n + 1,
                args,
                background,
                out: Vec::new(),
                exit: None,
            });
            open = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("[exit status ") {
            if open {
                cmds.last_mut().unwrap().exit = rest.trim_end_matches(']').parse().ok();
            }
            open = false;
            continue;
        }
        if line.starts_with('#') || line.starts_with("[exit") {
            open = false;
            continue;
        }
        if open && !line.starts_with("conntrack v") && !line.is_empty() {
            cmds.last_mut().unwrap().out.push(line.to_string());
        }
    }
    cmds
}

/// One message of a capture, rendered.
#[derive(Debug, Clone)]
struct M {
    frame: u64,
    to_kernel: bool,
    kind: Kind,
    subsys: u8,
    msg: u8,
    flags: u16,
    portid: u32,
    line: String,
    lk: LineKind,
}

impl M {
    fn is(&self, subsys: u8, msg: u8) -> bool {
        self.subsys == subsys && self.msg == msg
    }
}

fn labels() -> LabelMap {
    LabelMap::parse(&std::fs::read_to_string(format!("{DIR}/connlabel.conf")).unwrap())
}

/// Every netfilter message of `name`.pcap rendered with `opts`.
fn render(name: &str, opts: CtOutput) -> Vec<M> {
    let bytes = std::fs::read(path(name, "pcap")).unwrap();
    let cap = decode_capture(&bytes, Options::default()).unwrap();
    let mut r = ConntrackRenderer::new(opts, false).with_labels(Some(labels()));
    let mut out = Vec::new();
    for m in cap.messages().filter(|m| m.protocol() == 12) {
        let lk = r.format(m.frame(), &m);
        let (subsys, msg) = m.nf().map(|nf| (nf.subsys, nf.msg)).unwrap_or((0, 0));
        out.push(M {
            frame: m.frame().number,
            to_kernel: m.direction() == Direction::ToKernel,
            kind: m.kind(),
            subsys,
            msg,
            flags: m.header().flags,
            portid: m.header().portid,
            line: r.line().to_string(),
            lk,
        });
    }
    out
}

/// The `-o` options conntrack 1.4.7 applied for `cmd`.
fn options_of(cmd: &Cmd) -> CtOutput {
    let mut o: CtOutput = cmd.opt(&["-o", "--output"]).unwrap_or("").parse().unwrap();
    if ["-l", "--label", "--label-add", "--label-del"]
        .iter()
        .any(|a| cmd.has(a))
    {
        o.labels = true;
    }
    if cmd.has("-D") || cmd.has("--delete") {
        o.ktimestamp = false;
        o.labels = false;
    }
    if cmd.has("-G") || cmd.has("-U") {
        o.ktimestamp = false;
    }
    o
}

/// Whether conntrack filters `cmd`'s listing in userspace (or re-checks a kernel
/// filter): then its lines are a subsequence of the dump.
fn filtered(cmd: &Cmd) -> bool {
    const PLAIN: &[&str] = &["conntrack", "-L", "--dump", "-D", "expect", "-z", ">"];
    let mut i = 0;
    while i < cmd.args.len() {
        let a = cmd.args[i].as_str();
        if a == "-o" || a == "--output" {
            i += 2;
            continue;
        }
        if !PLAIN.contains(&a) && !a.starts_with('/') {
            return true;
        }
        i += 1;
    }
    false
}

struct Run {
    name: String,
    cursor: usize,
}

fn next_request(run: &Run, ms: &[M], subsys: u8, msg: u8, dump: bool, cmd: &Cmd) -> usize {
    (run.cursor..ms.len())
        .find(|&i| {
            ms[i].to_kernel && ms[i].is(subsys, msg) && (ms[i].flags & 0x300 == 0x300) == dump
        })
        .unwrap_or_else(|| panic!("{}: `{}`: no request {subsys}/{msg}", run.name, cmd.text()))
}

fn reply_to(ms: &[M], req: usize) -> usize {
    (req + 1..ms.len())
        .find(|&i| !ms[i].to_kernel && !matches!(ms[i].kind, Kind::Event(_)))
        .unwrap()
}

/// The replies of the dump requested at `req` and the index of its DONE.
fn dump(ms: &[M], req: usize) -> (Vec<usize>, usize) {
    let first = (req + 1..ms.len())
        .find(|&i| !ms[i].to_kernel && matches!(ms[i].kind, Kind::DumpReply | Kind::Done))
        .unwrap();
    let portid = ms[first].portid;
    let mut out = Vec::new();
    for (i, m) in ms.iter().enumerate().skip(first) {
        if m.to_kernel || m.portid != portid {
            continue;
        }
        match m.kind {
            Kind::DumpReply => out.push(i),
            Kind::Done => return (out, i),
            _ => {}
        }
    }
    panic!("dump without DONE")
}

fn lines(ms: &[M], idx: &[usize]) -> Vec<String> {
    idx.iter()
        .map(|&i| {
            assert_eq!(ms[i].lk, LineKind::Conntrack, "frame {}", ms[i].frame);
            ms[i].line.clone()
        })
        .collect()
}

/// The `[seconds.micros]\t` prefix of `-o timestamp` and the rest of the line.
fn split_ts(l: &str) -> Option<(f64, &str)> {
    let rest = l.strip_prefix('[')?;
    let (ts, tail) = rest.split_once("]\t")?;
    Some((ts.trim().parse().ok()?, tail))
}

/// Whether conntrack's line `printed` is our line `ours`. The `-o timestamp` prefix
/// is conntrack's wall clock when it printed (gettimeofday); ours is the capture
/// timestamp of the record. These captures were made from strace logs, whose
/// timestamp of a receive is the syscall's *entry*: a `conntrack -E` blocks in
/// recvmsg until the event comes, so the capture time can be seconds earlier than
/// the print (on an nlmon capture it is the kernel's delivery time). So the prefix
/// must have the same form and not be earlier than ours, within the 15 s an `-E`
/// ran; the rest of the line must be byte-identical.
fn same(printed: &str, ours: &str) -> bool {
    match (split_ts(printed), split_ts(ours)) {
        (Some((tp, a)), Some((to, b))) => {
            let shape = |l: &str| {
                l.split_once('\t')
                    .map(|(p, _)| p.chars().map(|c| c.is_ascii_digit()).collect::<Vec<_>>())
            };
            a == b && shape(printed) == shape(ours) && (0.0..15.0).contains(&(tp - to))
        }
        (None, None) => printed == ours,
        _ => false,
    }
}

fn assert_same(printed: &[String], ours: &[String], what: &str) {
    assert_eq!(
        printed.len(),
        ours.len(),
        "{what}: {printed:#?} vs {ours:#?}"
    );
    for (p, o) in printed.iter().zip(ours) {
        assert!(same(p, o), "{what}:\n  printed {p:?}\n  ours    {o:?}");
    }
}

fn assert_subsequence(printed: &[String], ours: &[String], what: &str) {
    let mut it = ours.iter();
    for p in printed {
        assert!(
            it.any(|o| same(p, o)),
            "{what}: printed line not among ours (in order):\n  {p:?}\nours:\n{}",
            ours.join("\n")
        );
    }
}

/// What was compared, for the coverage report.
#[derive(Debug, Default)]
struct Tally {
    lines: usize,
    cmds: Vec<String>,
}

fn check_capture(name: &str) -> Tally {
    let text = std::fs::read_to_string(path(name, "txt")).unwrap();
    let cmds = transcript(&text);
    assert!(!cmds.is_empty(), "{name}: no traced command");
    let mut run = Run {
        name: name.to_string(),
        cursor: 0,
    };
    let mut tally = Tally::default();
    for cmd in &cmds {
        assert_eq!(cmd.args[0], "conntrack", "{name}: {}", cmd.text());
        let what = format!("{name} `{}` (line {})", cmd.text(), cmd.line);
        if cmd.exit == Some(2) {
            // A parameter problem: conntrack stopped before talking to the kernel.
            assert!(cmd.out.iter().all(|l| !l.contains("src=")), "{what}");
            tally.cmds.push(format!("{} [not sent]", cmd.text()));
            continue;
        }
        let ms = render(name, options_of(cmd));
        let expect = cmd.has("expect");
        let mut compared = cmd.out.len();
        if cmd.has("-E") || cmd.has("--event") {
            assert!(cmd.background, "{what}");
            let subsys = if expect { 2 } else { 1 };
            let only_new = match cmd.opt(&["-e", "--event-mask"]) {
                None => false,
                Some("NEW") => true,
                Some(o) => panic!("{what}: -e {o}"),
            };
            let ours: Vec<String> = ms
                .iter()
                .filter(|m| matches!(m.kind, Kind::Event(_)) && m.subsys == subsys)
                .filter(|m| !only_new || m.kind == Kind::Event(EventKind::New))
                .map(|m| m.line.clone())
                .collect();
            assert_same(&cmd.out, &ours, &what);
        } else if cmd.has("-L") || cmd.has("--dump") || cmd.has("-D") || cmd.has("-U") {
            let (subsys, msg) = match (expect, cmd.has("-z")) {
                (true, _) => (2, 1),
                (false, true) => (1, 3),
                (false, false) => (1, 1),
            };
            let req = next_request(&run, &ms, subsys, msg, true, cmd);
            let (replies, done) = dump(&ms, req);
            run.cursor = done + 1;
            if cmd.has("-U") {
                let gets: Vec<usize> = (req..done)
                    .filter(|&i| ms[i].to_kernel && ms[i].is(1, 1) && ms[i].kind == Kind::Request)
                    .map(|i| reply_to(&ms, i))
                    .collect();
                assert_same(&cmd.out, &lines(&ms, &gets), &what);
            } else if cmd.has(">") {
                // `-L > /dev/null` printed only its count.
                assert!(cmd.out.is_empty(), "{what}");
                compared = 0; // count only: checked below
                let want = text
                    .lines()
                    .find_map(|l| l.strip_suffix(" flow entries have been shown."))
                    .and_then(|l| l.rsplit(' ').next())
                    .unwrap();
                assert_eq!(want, replies.len().to_string(), "{what}");
                let _ = lines(&ms, &replies);
            } else if filtered(cmd) {
                assert_subsequence(&cmd.out, &lines(&ms, &replies), &what);
            } else {
                assert_same(&cmd.out, &lines(&ms, &replies), &what);
            }
        } else if cmd.has("-G") || cmd.has("--get") {
            let req = next_request(&run, &ms, 1, 1, false, cmd);
            run.cursor = req + 1;
            let r = reply_to(&ms, req);
            if cmd.out.is_empty() {
                assert_eq!(ms[r].lk, LineKind::Comment, "{what}: error reply");
            } else {
                assert_same(&cmd.out, &lines(&ms, &[r]), &what);
            }
        } else if cmd.has("-S") || cmd.has("--stats") {
            let (subsys, msg) = if expect { (2, 3) } else { (1, 4) };
            let req = next_request(&run, &ms, subsys, msg, true, cmd);
            let (replies, done) = dump(&ms, req);
            run.cursor = done + 1;
            assert_same(&cmd.out, &lines(&ms, &replies), &what);
        } else if cmd.has("-C") || cmd.has("--count") {
            if expect {
                // conntrack counts the expectations of a dump itself: no message
                // carries the number.
                let req = next_request(&run, &ms, 2, 1, true, cmd);
                let (replies, done) = dump(&ms, req);
                run.cursor = done + 1;
                assert_eq!(cmd.out, vec![replies.len().to_string()], "{what}");
                compared = 0;
            } else {
                let req = next_request(&run, &ms, 1, 5, false, cmd);
                run.cursor = req + 1;
                assert_eq!(cmd.out, lines(&ms, &[reply_to(&ms, req)]), "{what}");
            }
        } else if cmd.has("-I") || cmd.has("-F") || cmd.has("--create") || cmd.has("--flush") {
            let msg = if cmd.has("-I") || cmd.has("--create") {
                0
            } else {
                2
            };
            let req = next_request(&run, &ms, if expect { 2 } else { 1 }, msg, false, cmd);
            run.cursor = req + 1;
            assert!(cmd.out.is_empty(), "{what}");
            assert_eq!(ms[req].lk, LineKind::Comment, "{what}: request");
            assert_eq!(ms[reply_to(&ms, req)].lk, LineKind::Comment, "{what}: ack");
        } else {
            panic!("{what}: no case for this command");
        }
        tally.lines += compared;
        tally.cmds.push(format!("{} [{compared}]", cmd.text()));
    }
    tally
}

fn run_case(name: &str) {
    let t = check_capture(name);
    eprintln!("{name}: {} lines equal", t.lines);
    for c in &t.cmds {
        eprintln!("  {c}");
    }
}

#[test]
fn every_transcript_has_a_case() {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.extension()? == "txt").then_some(stem)
        })
        .filter(|n| !NOT_CONNTRACK.contains(&n.as_str()))
        .chain(MORE.iter().map(|m| m.to_string()))
        .collect();
    names.sort();
    let mut cases: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    cases.sort();
    assert_eq!(names, cases);
}

const CASES: &[&str] = &[
    "big_dump",
    "ct_output",
    "events",
    "expect",
    "expect_events",
    "filter_dumps",
    "get_update_delete",
    "gre_sctp",
    "insert_and_list",
    "list_empty",
    "nat",
    "nlmon-any_sll2",
    "nlmon-list_empty",
    "stats",
];

macro_rules! cases {
    ($($name:ident = $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_case($file);
            }
        )*
    };
}

cases!(
    big_dump = "big_dump",
    ct_output = "ct_output",
    events = "events",
    expect = "expect",
    expect_events = "expect_events",
    filter_dumps = "filter_dumps",
    get_update_delete = "get_update_delete",
    gre_sctp = "gre_sctp",
    insert_and_list = "insert_and_list",
    list_empty = "list_empty",
    nat = "nat",
    nlmon_any_sll2 = "nlmon-any_sll2",
    nlmon_list_empty = "nlmon-list_empty",
    stats = "stats",
);

/// The binary: `-f conntrack --replies-only` prints exactly the conntrack lines, and
/// without `--replies-only` the other messages as `# ` comments.
#[test]
fn binary_prints_the_same_lines() {
    let bin = env!("CARGO_BIN_EXE_nfct-decode");
    let run = |extra: &[&str]| {
        let out = Command::new(bin)
            .args(["-f", "conntrack", "--ct-output", "id,ktimestamp,labels"])
            .args(["--labels", &format!("{DIR}/connlabel.conf")])
            .args(extra)
            .arg(format!("{DIR}/insert_and_list.pcap"))
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let only = run(&["--replies-only"]);
    let all = run(&[]);
    assert!(only.lines().all(|l| !l.starts_with('#')));
    let uncommented: Vec<&str> = all.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(only.lines().collect::<Vec<_>>(), uncommented);
    assert!(all
        .lines()
        .any(|l| l.starts_with("# ") && l.contains("(dump-request)")));
    let text = std::fs::read_to_string(format!("{DIR}/insert_and_list.txt")).unwrap();
    let cmd = transcript(&text)
        .into_iter()
        .find(|c| c.text() == "conntrack -L -o id,ktimestamp,labels")
        .unwrap();
    for l in &cmd.out {
        assert!(only.lines().any(|o| o == l), "missing {l:?}");
    }
}

#[test]
fn ct_output_parses_like_dash_o() {
    let o: CtOutput = "extended,id,timestamp,ktimestamp,labels".parse().unwrap();
    assert!(o.extended && o.id && o.timestamp && o.ktimestamp && o.labels);
    assert_eq!("".parse::<CtOutput>().unwrap(), CtOutput::default());
    assert!("xml".parse::<CtOutput>().is_err());
}

#[test]
fn label_map_reads_connlabel_conf() {
    let m = LabelMap::parse("# c\n0 foo\n1\tbar\n\n0x2 baz\nnot a line\n1 other\n");
    assert_eq!(m.name(0), Some("foo"));
    assert_eq!(m.name(1), Some("bar"));
    assert_eq!(m.name(2), Some("baz"));
    assert_eq!(m.name(3), None);
}
