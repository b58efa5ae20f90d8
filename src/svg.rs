//! `--flows --svg OUT.svg` (issue 16): a picture of a capture's conntrack table:
//! the entries alive over time, events per second by kind, and the notable entries
//! (anomalous ones first, then the longest) as timelines. Plain SVG 1.1, no
//! scripts, no external resources.

use crate::flows::{End, FlowTracker};
use std::fmt::Write as _;

const W: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const PLOT: f64 = W - LEFT - RIGHT;

/// Text for an SVG text node or attribute value.
fn xml(s: &str) -> String {
    let e = crate::view::escape::escape(s.as_bytes()).to_string();
    e.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The picture of what `t` saw (call after the run: its flows have ended).
pub fn render(t: &FlowTracker) -> String {
    let (Some((&t0, _)), Some((&t1, _))) = (t.series.first_key_value(), t.series.last_key_value())
    else {
        return empty();
    };
    let span = (t1.saturating_sub(t0) + 1) as f64;
    let x = |sec: f64| LEFT + PLOT * (sec - t0 as f64) / span;
    let bars = t.notable.len() as f64;
    let h = 40.0 + 170.0 + 40.0 + 170.0 + 50.0 + 30.0 * bars + 30.0;
    // Bins of whole seconds (at most 480): the alive count is the bin's most (the
    // last bin's carried over an empty one), events are per second on average,
    // zero where none came.
    let width = (span as u64).div_ceil(480).max(1);
    let nbins = (span as u64).div_ceil(width);
    let mut bins = vec![(0u64, [0u64; 3], false); nbins as usize];
    for (&sec, b) in &t.series {
        if let Some(bin) = bins.get_mut(((sec - t0) / width) as usize) {
            bin.0 = bin.0.max(b.alive);
            bin.1[0] += b.new;
            bin.1[1] += b.update;
            bin.1[2] += b.destroy;
            bin.2 = true;
        }
    }
    let mut carried = 0;
    for bin in &mut bins {
        if bin.2 {
            carried = bin.0;
        } else {
            bin.0 = carried;
        }
    }
    let bx = |i: usize| x((t0 + i as u64 * width) as f64 + width as f64 / 2.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="12">"#
    );
    s.push_str(r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="24" font-size="16" font-weight="bold">conntrack table: {} entries, at most {} alive, {} s of capture</text>"#,
        t.written, t.max_alive, span as u64
    );
    // 1. Entries alive.
    let top = 40.0;
    let max_alive = bins.iter().map(|b| b.0).max().unwrap_or(0).max(1) as f64;
    chart_frame(&mut s, top, "entries alive", max_alive as u64);
    let mut path = String::new();
    for (i, b) in bins.iter().enumerate() {
        let py = top + 170.0 - 150.0 * b.0 as f64 / max_alive;
        let _ = write!(
            path,
            "{}{:.1},{py:.1}",
            if i == 0 { "M" } else { " L" },
            bx(i)
        );
    }
    let _ = write!(
        s,
        r##"<path d="{path}" fill="none" stroke="#1f77b4" stroke-width="2"/>"##
    );
    // 2. Events per second by kind.
    let top = 250.0;
    let per_sec = |n: u64| n as f64 / width as f64;
    let max_ev = bins
        .iter()
        .map(|b| per_sec(b.1.iter().copied().max().unwrap_or(0)))
        .fold(0.0f64, f64::max)
        .max(1.0);
    chart_frame(&mut s, top, "events per second", max_ev.ceil() as u64);
    for (k, (name, color)) in [
        ("new", "#2ca02c"),
        ("update", "#ff7f0e"),
        ("destroy", "#d62728"),
    ]
    .iter()
    .enumerate()
    {
        let mut path = String::new();
        for (i, b) in bins.iter().enumerate() {
            let v = per_sec(b.1.get(k).copied().unwrap_or(0));
            let py = top + 170.0 - 150.0 * v / max_ev;
            let _ = write!(
                path,
                "{}{:.1},{py:.1}",
                if i == 0 { "M" } else { " L" },
                bx(i)
            );
        }
        let _ = write!(
            s,
            r#"<path d="{path}" fill="none" stroke="{color}" stroke-width="1.5"/><text x="{}" y="{}" fill="{color}">{name}</text>"#,
            W - RIGHT - 60.0,
            top + 14.0 + 14.0 * k as f64
        );
    }
    // 3. Notable entries.
    let top = 470.0;
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="{top}" font-weight="bold">notable entries (anomalous first, then the longest)</text>"#
    );
    for (i, f) in t.notable.iter().enumerate() {
        let y = top + 24.0 + 30.0 * i as f64;
        let (a, b) = (
            x(f.first.ts.as_secs_f64()),
            x(f.last.ts.as_secs_f64()).max(x(f.first.ts.as_secs_f64()) + 2.0),
        );
        let color = if f.anomalies.is_empty() {
            "#9467bd"
        } else {
            "#d62728"
        };
        let end = match f.end {
            End::Destroy { .. } => "destroy",
            End::Delete { .. } => "delete",
            End::Vanished { .. } => "vanished",
            End::Evicted { .. } | End::Alive => "alive",
        };
        let _ = write!(
            s,
            r#"<rect x="{a:.1}" y="{y:.1}" width="{:.1}" height="10" fill="{color}"><title>{}</title></rect>"#,
            b - a,
            xml(&f.anomalies.join("; "))
        );
        let label = format!(
            "{} {} {} ({end}){}",
            f.proto,
            f.orig,
            f.states.last().map(String::as_str).unwrap_or(""),
            if f.anomalies.is_empty() { "" } else { " !" }
        );
        // The label above its bar.
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
            a.min(W - 420.0),
            y - 2.0,
            xml(&label)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Axes, a title and the top value of a chart 170 high at `top`.
fn chart_frame(s: &mut String, top: f64, title: &str, max: u64) {
    let bottom = top + 170.0;
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="{}" font-weight="bold">{title}</text><line x1="{LEFT}" y1="{}" x2="{LEFT}" y2="{bottom}" stroke="black"/><line x1="{LEFT}" y1="{bottom}" x2="{}" y2="{bottom}" stroke="black"/><text x="{}" y="{}" text-anchor="end">{max}</text><text x="{}" y="{bottom}" text-anchor="end">0</text>"#,
        top + 12.0,
        top + 20.0,
        W - RIGHT,
        LEFT - 4.0,
        top + 24.0,
        LEFT - 4.0
    );
}

fn empty() -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="60"><rect width="100%" height="100%" fill="white"/><text x="20" y="35" font-family="sans-serif">no conntrack entries in the capture</text></svg>
"#
    )
}
