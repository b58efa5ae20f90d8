//! Bytes from a capture never reach a terminal raw.
//!
//! Every line-oriented output (text lines, `-v` trees, `--exchanges`, the conntrack
//! format, notices) writes strings that come from a capture (attribute strings,
//! extended-ACK messages, names derived from them) through [`escape`]: control
//! characters (C0, DEL, C1), the Unicode line separators and bidirectional
//! controls, and bytes that are not UTF-8 become `\xNN` (or `\u{NNNN}`), and a
//! backslash becomes `\\`, so a crafted `help-name` cannot forge a line, move the
//! cursor or recolour the terminal. Printable text, ASCII or not, is kept as it is.
//! [`escape_quoted`] also escapes `"`, for values printed between quotes.
//!
//! JSON needs no such escaping (serde_json escapes control characters); only
//! bytes that are not UTF-8 need a form there, see `render::json`.

use std::fmt;

/// `bytes` for a terminal: see the module documentation.
pub fn escape(bytes: &[u8]) -> Escaped<'_> {
    Escaped {
        bytes,
        quote: false,
    }
}

/// `bytes` for a terminal, between double quotes (`"` is escaped too; the quotes
/// themselves are not written).
pub fn escape_quoted(bytes: &[u8]) -> Escaped<'_> {
    Escaped { bytes, quote: true }
}

/// Escaped bytes, as a `Display`.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a> {
    bytes: &'a [u8],
    quote: bool,
}

impl Escaped<'_> {
    /// Writes the escaped form into any `fmt::Write`.
    pub fn write_to<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        let quote = self.quote;
        let plain = |b: &u8| (0x20..0x7f).contains(b) && *b != b'\\' && !(quote && *b == b'"');
        if self.bytes.iter().all(plain) {
            // Printable ASCII without a backslash: as it is (the common case).
            return out.write_str(std::str::from_utf8(self.bytes).unwrap_or(""));
        }
        for chunk in self.bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                write_char(out, c, quote)?;
            }
            for b in chunk.invalid() {
                write!(out, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

/// Characters a terminal would act on rather than show: controls, the line and
/// paragraph separators, and the bidirectional formatting characters ("Trojan
/// Source").
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn write_char<W: fmt::Write + ?Sized>(out: &mut W, c: char, quote: bool) -> fmt::Result {
    match c {
        '\\' => out.write_str("\\\\"),
        '"' if quote => out.write_str("\\\""),
        c if needs_escape(c) => {
            let v = u32::from(c);
            if v < 0x80 {
                write!(out, "\\x{v:02x}")
            } else {
                write!(out, "\\u{{{v:04x}}}")
            }
        }
        c => out.write_char(c),
    }
}

/// Pushes the escaped form of `bytes` onto `out`.
pub fn push_escaped(out: &mut String, bytes: &[u8]) {
    let _ = escape(bytes).write_to(out);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn forged_lines_and_escapes_are_defused() {
        let evil = b"ftp\n     9 99:99:99.000000 K>U forged line\x1b[31m";
        assert_eq!(
            escape(evil).to_string(),
            "ftp\\x0a     9 99:99:99.000000 K>U forged line\\x1b[31m"
        );
    }

    #[test]
    fn what_is_escaped() {
        let cases: &[(&[u8], &str)] = &[
            (b"ftp", "ftp"),
            (b"a\\b", "a\\\\b"),
            (b"tab\there", "tab\\x09here"),
            (b"del\x7f", "del\\x7f"),
            (b"\x00", "\\x00"),
            (b"not utf-8 \xff\xfe", "not utf-8 \\xff\\xfe"),
            ("caf\u{e9}".as_bytes(), "caf\u{e9}"),
            ("c1 \u{9b}".as_bytes(), "c1 \\u{009b}"),
            ("bidi \u{202e}x".as_bytes(), "bidi \\u{202e}x"),
            ("line\u{2028}sep".as_bytes(), "line\\u{2028}sep"),
            (b"say \"hi\"", "say \"hi\""),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input).to_string(), *want, "{input:?}");
        }
        assert_eq!(escape_quoted(b"say \"hi\"").to_string(), "say \\\"hi\\\"");
    }

    #[test]
    fn output_is_printable() {
        // Every byte value, alone and after a multi-byte prefix: the output holds
        // no control character and is valid UTF-8 by construction.
        for b in 0..=255u8 {
            for input in [vec![b], vec![0xe2, 0x80, b], vec![b'x', b, b'y']] {
                let s = escape(&input).to_string();
                assert!(!s.chars().any(needs_escape), "{input:?} -> {s:?}");
            }
        }
    }
}
