//! `--flows --svg OUT.svg` (issue 16): a well-formed SVG with the three parts,
//! which rsvg-convert turns into a PNG (.ci/run installs librsvg2-bin).

use crate::common::{capture_path, run_bin};

#[test]
fn ct_xml_picture() {
    let out = std::env::temp_dir().join(format!("nfct-svg-{}.svg", std::process::id()));
    let (code, _, err) = run_bin(
        &[
            "-q",
            "--flows",
            "--svg",
            out.to_str().unwrap(),
            capture_path("more/ct_xml.pcap").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"conntrack table: 11 entries, at most 11 alive, 16 s of capture"),
        "{texts:?}"
    );
    for t in [
        "entries alive",
        "events per second",
        "new",
        "update",
        "destroy",
    ] {
        assert!(texts.contains(&t), "{t}");
    }
    // One bar per entry (11), after the background.
    let bars = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    assert_eq!(bars, 12);
    assert!(texts
        .iter()
        .any(|t| t.starts_with("tcp 127.0.0.1:60546 -> 127.0.0.1:21 time-wait (destroy)")));
    // Three event lines and the alive line.
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("path")).count(),
        4
    );
    if std::process::Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .is_ok()
    {
        let png = out.with_extension("png");
        let st = std::process::Command::new("rsvg-convert")
            .args(["-o", png.to_str().unwrap(), out.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(st.success());
        let p = std::fs::read(&png).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width 960.
        assert_eq!(u32::from_be_bytes([p[16], p[17], p[18], p[19]]), 960);
        let _ = std::fs::remove_file(&png);
    } else {
        eprintln!("rsvg-convert not installed: the PNG check is skipped");
    }
    let _ = std::fs::remove_file(&out);
}
