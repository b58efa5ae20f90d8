//! Times as the outputs print them: UTC dates and times of day from durations since
//! the epoch, without the formatter's padding machinery on the hot path.

use crate::capture::TsPrecision;
use std::fmt;
use std::time::Duration;

/// Formats a time since the epoch as `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (UTC), with
/// 6 or 9 fractional digits.
pub fn fmt_utc<W: fmt::Write + ?Sized>(
    out: &mut W,
    ts: Duration,
    precision: TsPrecision,
) -> fmt::Result {
    let mut buf = [0u8; UTC_MAX];
    let n = utc_bytes(&mut buf, ts, precision);
    match buf
        .get(..n)
        .filter(|b| !b.is_empty())
        .and_then(|b| std::str::from_utf8(b).ok())
    {
        Some(s) => out.write_str(s),
        // A year beyond 9999: the formatter pads it.
        None => {
            let (y, mo, d) = civil_from_days((ts.as_secs() / 86_400) as i64);
            write!(out, "{y:04}-{mo:02}-{d:02}T")?;
            fmt_time_of_day(out, ts, precision)?;
            out.write_char('Z')
        }
    }
}

/// The longest [`utc_bytes`] (nanoseconds).
pub const UTC_MAX: usize = 30;

/// [`fmt_utc`] into `buf`: the number of bytes written (0 for a year beyond 9999,
/// which [`fmt_utc`] formats the slow way). Digits are written straight into
/// the array: this runs once per message in JSON and text.
pub fn utc_bytes(buf: &mut [u8; UTC_MAX], ts: Duration, precision: TsPrecision) -> usize {
    let secs = ts.as_secs();
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    if !(0..10_000).contains(&y) {
        return 0;
    }
    put(buf, 0, y as u64, 4);
    put_byte(buf, 4, b'-');
    put(buf, 5, u64::from(mo), 2);
    put_byte(buf, 7, b'-');
    put(buf, 8, u64::from(d), 2);
    put_byte(buf, 10, b'T');
    let n = 11 + time_of_day_bytes(buf, 11, ts, precision);
    put_byte(buf, n, b'Z');
    n + 1
}

/// `HH:MM:SS.ffffff[fff]` at `at` in `buf`; its length.
fn time_of_day_bytes(buf: &mut [u8], at: usize, ts: Duration, precision: TsPrecision) -> usize {
    let sod = ts.as_secs() % 86_400;
    put(buf, at, sod / 3600, 2);
    put_byte(buf, at + 2, b':');
    put(buf, at + 3, (sod / 60) % 60, 2);
    put_byte(buf, at + 5, b':');
    put(buf, at + 6, sod % 60, 2);
    put_byte(buf, at + 8, b'.');
    match precision {
        TsPrecision::Micro => {
            put(buf, at + 9, u64::from(ts.subsec_micros()), 6);
            15
        }
        TsPrecision::Nano => {
            put(buf, at + 9, u64::from(ts.subsec_nanos()), 9);
            18
        }
    }
}

/// `v` as exactly `width` zero-padded digits at `at` (nothing out of bounds).
#[inline]
fn put(buf: &mut [u8], at: usize, mut v: u64, width: usize) {
    for i in (at..at + width).rev() {
        put_byte(buf, i, b'0' + (v % 10) as u8);
        v /= 10;
    }
}

#[inline]
fn put_byte(buf: &mut [u8], at: usize, b: u8) {
    if let Some(slot) = buf.get_mut(at) {
        *slot = b;
    }
}

/// Formats the time of day `HH:MM:SS.ffffff` (UTC).
pub fn fmt_time_of_day<W: fmt::Write + ?Sized>(
    out: &mut W,
    ts: Duration,
    precision: TsPrecision,
) -> fmt::Result {
    let mut buf = [0u8; 18];
    let n = time_of_day_bytes(&mut buf, 0, ts, precision);
    out.write_str(
        buf.get(..n)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or(""),
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// (Howard Hinnant's civil_from_days algorithm.)
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(secs: u64, nanos: u32, p: TsPrecision) -> String {
        let mut s = String::new();
        fmt_utc(&mut s, Duration::new(secs, nanos), p).unwrap_or_default();
        s
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc(0, 0, TsPrecision::Micro), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            utc(1_795_000_000, 392_000, TsPrecision::Micro),
            "2026-11-18T11:06:40.000392Z"
        );
        assert_eq!(
            utc(1_795_849_503, 628_590_758, TsPrecision::Nano),
            "2026-11-28T07:05:03.628590758Z"
        );
        // 2000-02-29 (a leap day of a century divisible by 400), the last second.
        assert_eq!(
            utc(951_868_799, 999_999_999, TsPrecision::Nano),
            "2000-02-29T23:59:59.999999999Z"
        );
        // Beyond year 9999 the slow path pads the year as the formatter does.
        assert_eq!(
            utc(253_402_300_800, 0, TsPrecision::Micro),
            "10000-01-01T00:00:00.000000Z"
        );
        let mut s = String::new();
        fmt_time_of_day(&mut s, Duration::new(86_399, 5_000), TsPrecision::Micro)
            .unwrap_or_default();
        assert_eq!(s, "23:59:59.000005");
    }
}
