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
    let secs = ts.as_secs();
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    if (0..10_000).contains(&y) {
        digits(out, y as u64, 4)?;
    } else {
        write!(out, "{y:04}")?;
    }
    out.write_char('-')?;
    digits(out, u64::from(mo), 2)?;
    out.write_char('-')?;
    digits(out, u64::from(d), 2)?;
    out.write_char('T')?;
    fmt_time_of_day(out, ts, precision)?;
    out.write_char('Z')
}

/// Formats the time of day `HH:MM:SS.ffffff` (UTC).
pub fn fmt_time_of_day<W: fmt::Write + ?Sized>(
    out: &mut W,
    ts: Duration,
    precision: TsPrecision,
) -> fmt::Result {
    let sod = ts.as_secs() % 86_400;
    digits(out, sod / 3600, 2)?;
    out.write_char(':')?;
    digits(out, (sod / 60) % 60, 2)?;
    out.write_char(':')?;
    digits(out, sod % 60, 2)?;
    out.write_char('.')?;
    match precision {
        TsPrecision::Micro => digits(out, u64::from(ts.subsec_micros()), 6),
        TsPrecision::Nano => digits(out, u64::from(ts.subsec_nanos()), 9),
    }
}

/// Writes `v` as exactly `width` decimal digits (zero-padded, `width` <= 20, `v`
/// below 10^width), without the formatter's padding machinery.
pub(crate) fn digits<W: fmt::Write + ?Sized>(out: &mut W, v: u64, width: usize) -> fmt::Result {
    let mut buf = [b'0'; 20];
    let mut v = v;
    let w = width.min(buf.len());
    for slot in buf.iter_mut().take(w).rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.write_str(std::str::from_utf8(buf.get(..w).unwrap_or(&[])).unwrap_or(""))
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
