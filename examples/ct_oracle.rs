//! libnetfilter_conntrack as an oracle for `-f conntrack` (issue 15).
//!
//! Generates conntrack and expectation messages as the kernel sends them (the
//! fuzzing module's structure-aware generator, `fuzzing::generate_entry`: any
//! attribute subset the schema allows, inet and inet6), prints each with the C
//! library (the oracle, tests/oracle/nfct_oracle.c, built by tests/oracle/build.sh)
//! and with nfct-decode's conntrack renderer in every mode of
//! `fuzzing::oracle::modes` (`-L` with extended, id, ktimestamp, labels; `-E`; the
//! same in XML), and compares the lines byte for byte (`fuzzing::oracle` says what
//! is normalised).
//!
//!   tests/oracle/build.sh                   # the oracle (installs the -dev package)
//!   cargo run --release --example ct_oracle -- [--cases N] [--seed S] \
//!       [--oracle PATH] [--min-agree PCT] [--examples K]
//!
//! Messages the library refuses to print (conntrack then prints a stale buffer) or
//! aborts on (conntrack would die) are counted apart. Exit status 1 when agreement
//! is below `--min-agree` (default 100), 2 without the oracle.

use nfct_decode::fuzzing::generate_entry;
use nfct_decode::fuzzing::oracle::{modes, ours, Answer, Oracle};
use nfct_decode::render::conntrack::LabelMap;

/// xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases: usize = arg(&args, "--cases", 2000);
    let seed: u64 = arg(&args, "--seed", 1);
    let min_agree: f64 = arg(&args, "--min-agree", 100.0);
    let examples: usize = arg(&args, "--examples", 3);
    let oracle: String = arg(&args, "--oracle", "target/oracle/nfct_oracle".to_string());
    let labels_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/captures/connlabel.conf"
    );
    let labels = LabelMap::parse(&std::fs::read_to_string(labels_path).unwrap_or_default());
    if !std::path::Path::new(&oracle).exists() {
        eprintln!("ct_oracle: no oracle at {oracle} (tests/oracle/build.sh builds it)");
        std::process::exit(2);
    }
    let (mut total, mut agree) = (0usize, 0usize);
    for mode in modes() {
        let mut o = match Oracle::spawn(&oracle, &mode, labels_path) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("ct_oracle: {oracle}: {e}");
                std::process::exit(2);
            }
        };
        // The same inputs for every mode of a kind (lists, events).
        let mut rng = Rng(seed.max(1) ^ 0x9e37_79b9_7f4a_7c15);
        let (mut n, mut ok, mut refused, mut aborted, mut shown) = (0usize, 0, 0, 0, 0);
        let mut made = 0;
        while made < cases {
            let raw: Vec<u8> = (0..384).map(|_| rng.next() as u8).collect();
            let Some(msg) = generate_entry(&raw, mode.event) else {
                continue;
            };
            made += 1;
            let theirs = match o.ask(&msg) {
                Ok(Answer::Line(l)) => l,
                Ok(Answer::Refused) => {
                    refused += 1;
                    continue;
                }
                Ok(Answer::Aborted) => {
                    aborted += 1;
                    continue;
                }
                Err(e) => {
                    eprintln!("ct_oracle: {}: {e} at {}", mode.name, hex(&msg));
                    std::process::exit(2);
                }
            };
            let mine = ours(&msg, &mode, &labels);
            n += 1;
            if mine.as_deref() == Some(theirs.as_str()) {
                ok += 1;
            } else if shown < examples {
                shown += 1;
                println!(
                    "  {}: {}\n    oracle {theirs:?}\n    ours   {mine:?}",
                    mode.name,
                    hex(&msg)
                );
            }
        }
        println!(
            "{:<22} {ok}/{n} agree ({refused} more the library does not print, {aborted} it aborts on)",
            mode.name
        );
        total += n;
        agree += ok;
    }
    let pct = 100.0 * agree as f64 / total.max(1) as f64;
    println!("ct_oracle: {agree}/{total} lines agree ({pct:.2}%), seed {seed}");
    if pct < min_agree || total == 0 {
        std::process::exit(1);
    }
}
