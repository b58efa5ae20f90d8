//! `-j N` (issue 14): records decoded on several threads, the output in capture
//! order and the same, byte for byte, as the sequential run's, in every format and
//! mode, with the same counters; from a file and from stdin.

use crate::common::{capture, run_bin, temp_file};
use nfct_decode::filter::Filter;
use nfct_decode::run::{Config, Format, Runner};

/// Every record of every classic pcap of corpus/captures with LINKTYPE_NETLINK,
/// `rounds` times over, as one pcap: about 0.9 MB a round, several batches.
fn big_capture(rounds: usize) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/captures");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".pcap"))
        .collect();
    names.sort();
    let mut records = Vec::new();
    for n in &names {
        let d = capture(n);
        if d[..4] != [0xd4, 0xc3, 0xb2, 0xa1] || d[20..24] != 253u32.to_le_bytes() {
            continue;
        }
        records.extend_from_slice(&d[24..]);
    }
    let mut out = capture("big_dump.pcap")[..24].to_vec();
    for _ in 0..rounds {
        out.extend_from_slice(&records);
    }
    out
}

fn run(cfg: Config, filter: Option<&str>, data: &[u8], threads: usize) -> (String, String) {
    let mut f = Filter::new();
    if let Some(e) = filter {
        f.add(e).unwrap();
    }
    let mut runner = Runner::new(cfg).with_filter(f);
    let mut out = Vec::new();
    runner.run_threads(data, &mut out, threads).unwrap();
    runner.finish(&mut out).unwrap();
    (
        String::from_utf8(out).unwrap(),
        format!("{:?}", runner.counts),
    )
}

#[test]
fn every_format_is_the_same_on_any_number_of_threads() {
    let data = big_capture(3);
    assert!(data.len() > 2_500_000, "{}", data.len());
    let text = Config::default();
    let cases: [(Config, Option<&str>); 10] = [
        (text, None),
        (
            Config {
                verbose: true,
                ..text
            },
            None,
        ),
        (
            Config {
                format: Format::Json,
                ..text
            },
            None,
        ),
        (
            Config {
                format: Format::None,
                ..text
            },
            None,
        ),
        (
            Config {
                format: Format::Conntrack,
                ..text
            },
            None,
        ),
        (
            Config {
                summary: true,
                ..text
            },
            None,
        ),
        (
            Config {
                exchanges: true,
                format: Format::Json,
                ..text
            },
            None,
        ),
        (
            Config {
                max_messages: Some(20_000),
                ..text
            },
            None,
        ),
        (text, Some("kind=event or dport=21")),
        (
            Config {
                format: Format::None,
                summary: true,
                ..text
            },
            Some("findings"),
        ),
    ];
    for (cfg, filter) in cases {
        let (one, counts) = run(cfg, filter, &data, 1);
        assert!(one.len() > 50, "{cfg:?}: {} bytes", one.len());
        for threads in [2, 3, 8] {
            let (many, c) = run(cfg, filter, &data, threads);
            assert_eq!(counts, c, "{cfg:?} {filter:?} -j {threads}");
            assert!(
                one == many,
                "{cfg:?} {filter:?} -j {threads}: the output differs"
            );
        }
    }
}

#[test]
fn the_binary_gives_the_same_output_from_a_file_and_from_stdin() {
    let data = big_capture(2);
    let path = temp_file("threads_big.pcap", &data);
    let p = path.to_str().unwrap();
    for args in [&["-f", "json"][..], &["-v"][..], &["-f", "none"][..]] {
        let one = run_bin(&[args, &["-j", "1", p]].concat(), None);
        assert_eq!(one.0, 1, "{args:?}: the mix has malformed requests"); // exit status
        for j in ["2", "4"] {
            assert_eq!(
                one,
                run_bin(&[args, &["-j", j, p]].concat(), None),
                "{args:?} -j {j}"
            );
            assert_eq!(
                one,
                run_bin(&[args, &["-j", j, "-"]].concat(), Some(&data)),
                "{args:?} -j {j} from stdin"
            );
        }
    }
    let (code, _, err) = run_bin(&["-j", "0", p], None);
    assert_eq!(code, 2);
    assert!(err.contains("--threads"), "{err}");
}

/// Several inputs: the JSON objects name their file on every thread.
#[test]
fn several_inputs_keep_their_names() {
    let a = temp_file("threads_a.pcap", &big_capture(1));
    let b = temp_file("threads_b.pcap", &capture("events.pcap"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let one = run_bin(&["-f", "json", "-j", "1", a, b], None);
    let two = run_bin(&["-f", "json", "-j", "2", a, b], None);
    assert_eq!(one, two);
    let names = |s: &str, n: &str| s.lines().filter(|l| l.contains(n)).count();
    assert!(names(&two.1, "threads_a.pcap") > 3000 && names(&two.1, "threads_b.pcap") > 10);
}
