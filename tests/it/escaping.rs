//! Capture bytes never reach a terminal raw (issue 12): a crafted expectation whose
//! help-name carries a newline, a forged frame line and an ANSI escape, and an
//! extended ACK message with control bytes and invalid UTF-8, through every
//! line-oriented output. Before, the text line, --exchanges and -f conntrack wrote
//! them raw (only the -v tree escaped, and differently).

use crate::common::temp_file;
use nfct_decode::encode::{pcap_netlink, MsgBuilder};
use nfct_decode::schema::{ct, netlink};
use std::process::Command;

const EVIL: &[u8] = b"ftp\n     9 99:99:99.000000 K>U forged line\x1b[31m\xff";
const ESCAPED: &str = "ftp\\x0a     9 99:99:99.000000 K>U forged line\\x1b[31m\\xff";

fn tuple(b: &mut MsgBuilder, name: &str) {
    b.nest(name).nest("tuple-ip");
    b.uint("ip-v4-src", 0x0a00_0001)
        .uint("ip-v4-dst", 0x0a00_0002);
    b.end().nest("tuple-proto").uint("proto-num", 6);
    b.uint("proto-src-port", 1024).uint("proto-dst-port", 21);
    b.end().end();
}

/// An expectation event (IPCTNL_MSG_EXP_NEW from the kernel) with `help-name`.
fn expect_event(help: &[u8]) -> Vec<u8> {
    let mut b = MsgBuilder::new(0x0200, 0x0600, 0, 0, &ct::EXPECT).nfgen(2, 0, 0);
    tuple(&mut b, "master");
    tuple(&mut b, "tuple");
    tuple(&mut b, "mask");
    b.uint("timeout", 300);
    let mut name = help.to_vec();
    name.push(0);
    b.bytes("help-name", &name);
    b.finish()
}

/// A CT GET request and its NLMSG_ERROR with an extended-ACK message `text`.
fn get_and_error(text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut b = MsgBuilder::new(0x0101, 0x0001 | 0x0004, 7, 4242, &ct::CONNTRACK).nfgen(2, 0, 0);
    tuple(&mut b, "tuple-orig");
    let req = b.finish();
    // nlmsgerr: error, the echoed header (capped), then the TLVs.
    let mut e = MsgBuilder::new(2, 0x0100 | 0x0200, 7, 4242, &netlink::EXTACK);
    e.raw(&(-2i32).to_le_bytes());
    let mut echo = req.get(..16).unwrap().to_vec();
    echo[..4].copy_from_slice(&(req.len() as u32).to_le_bytes());
    e.raw(&echo);
    let mut msg = text.to_vec();
    msg.push(0);
    e.bytes("msg", &msg);
    (req, e.finish())
}

fn capture() -> Vec<u8> {
    let ev = expect_event(EVIL);
    let (req, err) = get_and_error(EVIL);
    pcap_netlink(12, &[&ev, &req, &err])
}

fn run(args: &[&str]) -> Vec<u8> {
    // One file per test: the tests run in parallel.
    let name = format!("escaping{}.pcap", args.join("").replace('-', "_"));
    let path = temp_file(&name, &capture());
    let out = Command::new(env!("CARGO_BIN_EXE_nfct-decode"))
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    out.stdout
}

/// No control byte but the line ends, and valid UTF-8.
fn assert_clean(out: &[u8], what: &str) {
    let text = std::str::from_utf8(out).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    for (i, c) in text.chars().enumerate() {
        assert!(
            c == '\n' || !c.is_control(),
            "{what}: control {c:?} at char {i}:\n{text}"
        );
    }
    assert!(!text.contains("\n     9 99:99:99"), "{what}: a forged line");
}

#[test]
fn text_line_escapes_the_helper_and_the_extack_message() {
    let out = run(&[]);
    assert_clean(&out, "text");
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // (The name is also longer than the kernel's 16 bytes: an error finding.)
    assert!(
        lines[0].contains(&format!(" helper={ESCAPED} [findings: 1 error, 1 info]")),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].contains(&format!("msg=\"{ESCAPED}\"")),
        "{}",
        lines[2]
    );
}

#[test]
fn verbose_tree_escapes_strings() {
    let out = run(&["-v"]);
    assert_clean(&out, "-v");
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!("help-name: \"{ESCAPED}\"")),
        "{text}"
    );
    assert!(text.contains(&format!("msg: \"{ESCAPED}\"")), "{text}");
    // The bytes are kept, and said not to be UTF-8.
    assert!(
        text.contains("! info string_not_utf8 at help-name"),
        "{text}"
    );
}

#[test]
fn exchanges_escape_the_extack_message() {
    let out = run(&["--exchanges"]);
    assert_clean(&out, "--exchanges");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(&format!("msg=\"{ESCAPED}\"")), "{text}");
}

#[test]
fn conntrack_format_escapes_the_helper() {
    let out = run(&["-f", "conntrack"]);
    assert_clean(&out, "-f conntrack");
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("    [NEW] 300 proto=6 "), "{first}");
    assert!(first.ends_with(&format!("helper={ESCAPED}")), "{first}");
}

#[test]
fn json_keeps_the_bytes() {
    let out = run(&["-f", "json"]);
    let lines: Vec<serde_json::Value> = std::str::from_utf8(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let help = &lines[0]["attrs"]["help-name"];
    assert_eq!(help["text"], ESCAPED);
    let hex: String = EVIL.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(help["hex"], hex);
    let msg = &lines[2]["extack"]["msg"];
    assert_eq!(msg["hex"], hex);
}
