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
//! The transcripts are parsed and the messages located as in tests/agreement.rs
//! (`support::transcript`, `support::locate`).
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

mod support;

use nfct_decode::render::conntrack::{ConntrackRenderer, CtOutput, LabelMap, LineKind};
use nfct_decode::DecodedCapture;
use std::process::Command;
use support::corpus::{self, DIR};
use support::locate::{events_of, Head, Walk};
use support::transcript::{self, Cmd, Op};

/// Captures recorded for this test, in corpus/captures/more.
const MORE: &[&str] = &["ct_output"];

/// Where capture `name` is, relative to corpus/captures.
fn path(name: &str, ext: &str) -> String {
    if MORE.contains(&name) {
        format!("more/{name}.{ext}")
    } else {
        format!("{name}.{ext}")
    }
}

/// One message of a capture, rendered.
#[derive(Debug, Clone)]
struct M {
    head: Head,
    line: String,
    lk: LineKind,
}

impl AsRef<Head> for M {
    fn as_ref(&self) -> &Head {
        &self.head
    }
}

fn labels() -> LabelMap {
    LabelMap::parse(&std::fs::read_to_string(format!("{DIR}/connlabel.conf")).unwrap())
}

/// Every netfilter message of `cap` rendered with `opts`.
fn render(cap: &DecodedCapture, opts: CtOutput) -> Vec<M> {
    let mut r = ConntrackRenderer::new(opts, false).with_labels(Some(labels()));
    corpus::netfilter_messages(cap)
        .map(|(frame, index, m)| {
            let lk = r.format(frame, &m);
            M {
                head: Head::of(frame, index, &m),
                line: r.line().to_string(),
                lk,
            }
        })
        .collect()
}

/// The `-o` options conntrack 1.4.7 applied for `cmd`.
fn options_of(cmd: &Cmd) -> CtOutput {
    let mut o: CtOutput = cmd.opt(&["-o", "--output"]).unwrap_or("").parse().unwrap();
    // The transcripts are conntrack-tools 1.4.7's.
    o.version = nfct_decode::render::conntrack::CtVersion::V1_4_7;
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

fn lines(ms: &[M], idx: &[usize]) -> Vec<String> {
    idx.iter()
        .map(|&i| {
            assert_eq!(ms[i].lk, LineKind::Conntrack, "{}", ms[i].head.at());
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
    let tr = transcript::read(&path(name, "txt"));
    assert!(!tr.cmds.is_empty(), "{name}: no traced command");
    let cap = corpus::decode_file(&path(name, "pcap"));
    let mut run = Walk::new(name);
    let mut tally = Tally::default();
    for cmd in &tr.cmds {
        assert_eq!(cmd.args[0], "conntrack", "{name}: {}", cmd.text);
        let what = cmd.what(name);
        if cmd.exit == Some(2) {
            // A parameter problem: conntrack stopped before talking to the kernel.
            assert!(cmd.out.iter().all(|l| !l.contains("src=")), "{what}");
            tally.cmds.push(format!("{} [not sent]", cmd.text));
            continue;
        }
        let op = cmd
            .op()
            .unwrap_or_else(|| panic!("{what}: no case for this command"));
        let ms = render(&cap, options_of(cmd));
        let mut compared = cmd.out.len();
        match op {
            Op::Events => {
                assert!(cmd.background, "{what}");
                let ours: Vec<String> = events_of(&ms, cmd)
                    .into_iter()
                    .map(|i| ms[i].line.clone())
                    .collect();
                assert_same(&cmd.out, &ours, &what);
            }
            Op::List => {
                let dump = run.take_dump(&ms, cmd);
                let replies = &dump.replies;
                if cmd.has("-U") {
                    let gets = run.get_replies_in(&ms, &dump);
                    assert_same(&cmd.out, &lines(&ms, &gets), &what);
                } else if cmd.has(">") {
                    // `-L > /dev/null` printed only its count.
                    assert!(cmd.out.is_empty(), "{what}");
                    compared = 0; // count only: checked below
                    assert_eq!(cmd.summary_count(), Some(replies.len()), "{what}");
                    let _ = lines(&ms, replies);
                } else if filtered(cmd) {
                    assert_subsequence(&cmd.out, &lines(&ms, replies), &what);
                } else {
                    assert_same(&cmd.out, &lines(&ms, replies), &what);
                }
            }
            Op::Get => {
                let req = run.take_request(&ms, cmd);
                let r = run.reply_to(&ms, req);
                if cmd.out.is_empty() {
                    assert_eq!(ms[r].lk, LineKind::Comment, "{what}: error reply");
                } else {
                    assert_same(&cmd.out, &lines(&ms, &[r]), &what);
                }
            }
            Op::Stats => {
                let replies = run.take_dump(&ms, cmd).replies;
                assert_same(&cmd.out, &lines(&ms, &replies), &what);
            }
            Op::Count if cmd.expect() => {
                // conntrack counts the expectations of a dump itself: no message
                // carries the number.
                let replies = run.take_dump(&ms, cmd).replies;
                assert_eq!(cmd.out, vec![replies.len().to_string()], "{what}");
                compared = 0;
            }
            Op::Count => {
                let req = run.take_request(&ms, cmd);
                assert_eq!(cmd.out, lines(&ms, &[run.reply_to(&ms, req)]), "{what}");
            }
            Op::Create | Op::Flush => {
                let req = run.take_request(&ms, cmd);
                assert!(cmd.out.is_empty(), "{what}");
                assert_eq!(ms[req].lk, LineKind::Comment, "{what}: request");
                assert_eq!(
                    ms[run.reply_to(&ms, req)].lk,
                    LineKind::Comment,
                    "{what}: ack"
                );
            }
        }
        tally.lines += compared;
        tally.cmds.push(format!("{} [{compared}]", cmd.text));
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
    let mut names = transcript::conntrack_transcripts();
    names.extend(MORE.iter().map(|m| m.to_string()));
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

support::capture_tests!(run_case:
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
    let tr = transcript::read("insert_and_list.txt");
    let cmd = tr.find("conntrack -L -o id,ktimestamp,labels");
    for l in &cmd.out {
        assert!(only.lines().any(|o| o == l), "missing {l:?}");
    }
}

#[test]
fn ct_output_parses_like_dash_o() {
    let o: CtOutput = "extended,id,timestamp,ktimestamp,labels".parse().unwrap();
    assert!(o.extended && o.id && o.timestamp && o.ktimestamp && o.labels);
    assert_eq!("".parse::<CtOutput>().unwrap(), CtOutput::default());
    let x: CtOutput = "xml,id".parse().unwrap();
    assert!(x.xml && x.id && !x.extended);
    assert!("save".parse::<CtOutput>().is_err());
    assert_eq!(o.version, nfct_decode::render::conntrack::CtVersion::V1_4_9);
}

#[test]
fn label_map_reads_connlabel_conf() {
    let m = LabelMap::parse("# c\n0 foo\n1\tbar\n\n0x2 baz\nnot a line\n1 other\n");
    assert_eq!(m.name(0), Some("foo"));
    assert_eq!(m.name(1), Some("bar"));
    assert_eq!(m.name(2), Some("baz"));
    assert_eq!(m.name(3), None);
}

#[test]
fn parse_keeps_commands_output_summary_exit_and_samples() {
    let t = transcript::parse(concat!(
        "# (not traced) $ conntrack -F\n",
        "conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n",
        "$ conntrack -L > /dev/null\n",
        "conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.\n",
        "[exit status 0]\n",
        "# (not traced) conntrack -L | head -5:\n",
        "udp      17 594 src=10.3.2.59\n",
        "# comment\n",
        "$ timeout -s INT 12 conntrack -E -e NEW   (background)\n",
        "    [NEW] tcp      6 120 \n",
        "\n",
        "$ conntrack -G -p tcp\n",
        "[exit 1]\n",
        "not output\n",
    ));
    assert_eq!(t.cmds.len(), 3);
    let l = &t.cmds[0];
    assert_eq!(
        (l.line, l.text.as_str(), l.exit),
        (3, "conntrack -L > /dev/null", Some(0))
    );
    assert_eq!(l.summary_count(), Some(3));
    assert!(l.out.is_empty() && !l.background);
    assert_eq!(t.samples, ["udp      17 594 src=10.3.2.59"]);
    let e = &t.cmds[1];
    assert_eq!(e.text, "conntrack -E -e NEW");
    assert!(e.background && e.only_new_events() && e.request().is_none());
    assert_eq!(e.out, ["    [NEW] tcp      6 120 "]);
    assert_eq!(e.exit, None);
    let g = t.find("conntrack -G -p tcp");
    assert_eq!((g.op(), g.exit), (Some(Op::Get), Some(1)));
    assert!(g.out.is_empty());
}
