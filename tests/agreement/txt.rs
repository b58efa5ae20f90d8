//! The ground-truth side: conntrack's output lines (the transcripts themselves are
//! parsed by `support::transcript`).

use std::collections::BTreeMap;

/// One conntrack output line (flow entry, event, expectation), as key -> value.
///
/// Keys: `event` (NEW/UPDATE/DESTROY), `l3` / `family` (-o extended), `proto`,
/// `timeout`, `state`, `orig.*` / `reply.*` (src, dst, sport, dport, type, code, id,
/// srckey, dstkey, packets, bytes), `unreplied`, `assured` (always present, true or
/// false), `userspace`, `portid`, `mark`, `zone`, `use`, `id`, `delta-time`, `start`,
/// `helper`, `labels`; expectations: `tuple.*`, `mask.*`, `master.*`, `class`.
pub type Line = BTreeMap<String, String>;

/// Splits off an event prefix `[NEW]` and returns the rest.
fn event_prefix(line: &str, out: &mut Line) -> String {
    let s = line.trim_start();
    for (p, k) in [
        ("[NEW]", "NEW"),
        ("[UPDATE]", "UPDATE"),
        ("[DESTROY]", "DESTROY"),
    ] {
        if let Some(rest) = s.strip_prefix(p) {
            out.insert("event".into(), k.into());
            return rest.trim_start().to_string();
        }
    }
    s.to_string()
}

/// Tokens, with `[start=Sat Nov 28 06:29:29 2026]` kept as one token.
fn tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for w in s.split_whitespace() {
        if open {
            let last = out.last_mut().unwrap();
            last.push(' ');
            last.push_str(w);
            open = !w.ends_with(']');
        } else {
            open = w.starts_with('[') && !w.ends_with(']');
            out.push(w.to_string());
        }
    }
    out
}

/// Parses a flow entry line (default / extended output, events).
pub fn parse_ct_line(line: &str) -> Line {
    let mut l = Line::new();
    let rest = event_prefix(line, &mut l);
    let toks = tokens(&rest);
    let mut i = 0;
    let tok = |i: usize| toks.get(i).map(String::as_str).unwrap_or("");
    if matches!(tok(0), "ipv4" | "ipv6") {
        l.insert("l3".into(), tok(0).into());
        l.insert("family".into(), tok(1).into());
        i = 2;
    }
    l.insert("proto-name".into(), tok(i).into());
    l.insert("proto".into(), tok(i + 1).into());
    i += 2;
    if tok(i).parse::<u64>().is_ok() {
        l.insert("timeout".into(), tok(i).into());
        i += 1;
    }
    if !tok(i).contains('=') && !tok(i).starts_with('[') && !tok(i).is_empty() {
        l.insert("state".into(), tok(i).into());
        i += 1;
    }
    l.insert("unreplied".into(), "false".into());
    l.insert("assured".into(), "false".into());
    let mut dir = "orig.";
    let mut seen_src = 0;
    for t in toks.iter().skip(i) {
        if let Some(s) = t.strip_prefix("[start=") {
            l.insert("start".into(), s.trim_end_matches(']').into());
            continue;
        }
        match t.as_str() {
            "[UNREPLIED]" => {
                l.insert("unreplied".into(), "true".into());
                continue;
            }
            "[ASSURED]" => {
                l.insert("assured".into(), "true".into());
                continue;
            }
            "[USERSPACE]" => {
                l.insert("userspace".into(), "true".into());
                continue;
            }
            _ => {}
        }
        let (k, v) = t
            .split_once('=')
            .unwrap_or_else(|| panic!("unexpected token {t:?} in {line:?}"));
        match k {
            "src" => {
                seen_src += 1;
                dir = if seen_src == 1 { "orig." } else { "reply." };
                l.insert(format!("{dir}{k}"), v.into());
            }
            "dst" | "sport" | "dport" | "type" | "code" | "id" | "srckey" | "dstkey"
            | "packets" | "bytes"
                if k != "id" || !l.contains_key("mark") =>
            {
                let key = format!("{dir}{k}");
                assert!(!l.contains_key(&key), "{key} twice in {line:?}");
                l.insert(key, v.into());
            }
            _ => {
                assert!(!l.contains_key(k), "{k} twice in {line:?}");
                l.insert(k.into(), v.into());
            }
        }
    }
    l
}

/// Parses an expectation line: `298 proto=6 src=.. dst=.. sport=0 dport=49439
/// mask-src=.. mask-dst=.. sport=0 dport=65535 master-src=.. master-dst=.. sport=..
/// dport=21 class=0 helper=ftp`, optionally with an event prefix.
pub fn parse_exp_line(line: &str) -> Line {
    let mut l = Line::new();
    let rest = event_prefix(line, &mut l);
    let mut toks = rest.split_whitespace();
    l.insert("timeout".into(), toks.next().unwrap_or("").into());
    let mut sect = "tuple.";
    for t in toks {
        let (k, v) = t
            .split_once('=')
            .unwrap_or_else(|| panic!("unexpected token {t:?} in {line:?}"));
        let k = if let Some(k) = k.strip_prefix("mask-") {
            sect = "mask.";
            k
        } else if let Some(k) = k.strip_prefix("master-") {
            sect = "master.";
            k
        } else {
            k
        };
        let key = match k {
            "src" | "dst" | "sport" | "dport" | "type" | "code" | "id" | "srckey" | "dstkey" => {
                format!("{sect}{k}")
            }
            _ => k.to_string(),
        };
        assert!(!l.contains_key(&key), "{key} twice in {line:?}");
        l.insert(key, v.into());
    }
    l
}

/// Parses a `-S` line: `cpu=0   \tfound=0 invalid=0 ...` -> (cpu, [(name, value)]).
pub fn parse_stats_line(line: &str) -> (u16, Vec<(String, u64)>) {
    let mut cpu = None;
    let mut vals = Vec::new();
    for t in line.split_whitespace() {
        let (k, v) = t
            .split_once('=')
            .unwrap_or_else(|| panic!("unexpected token {t:?} in {line:?}"));
        let v: u64 = v.parse().unwrap_or_else(|_| panic!("{t:?} in {line:?}"));
        if k == "cpu" {
            cpu = Some(v as u16);
        } else {
            vals.push((k.to_string(), v));
        }
    }
    (cpu.unwrap_or_else(|| panic!("no cpu= in {line:?}")), vals)
}
