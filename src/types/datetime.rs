//! Dates and timestamps as text, read and written by hand in the one shape PostgreSQL's ISO
//! style uses (`2026-11-22`, `2026-11-22 23:35:40.510942`): chrono's general strftime
//! machinery would cost the page more than all of this.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// `YYYY-MM-DD`; a year past 9999 or before 0 carries its sign, as chrono's `%Y` writes it.
pub fn date_text(d: NaiveDate) -> String {
    let year = d.year();
    let y = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!("{y}-{:02}-{:02}", d.month(), d.day())
}

/// `YYYY-MM-DD HH:MM:SS`, without the fraction.
pub fn datetime_text(ts: &NaiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        date_text(ts.date()),
        ts.hour(),
        ts.minute(),
        ts.second()
    )
}

/// An unsigned decimal number of `min..=max` digits at the start of `t`, and the rest.
fn digits(t: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = t.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    let (num, rest) = t.split_at(n);
    Some((num.parse().ok()?, rest))
}

/// `YYYY-MM-DD` at the start of `t` (the year may carry a sign), and the rest.
fn date_prefix(t: &str) -> Option<(NaiveDate, &str)> {
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (year, t) = digits(t, 1, 6)?;
    let year = i32::try_from(year).ok()?;
    let t = t.strip_prefix('-')?;
    let (month, t) = digits(t, 1, 2)?;
    let t = t.strip_prefix('-')?;
    let (day, t) = digits(t, 1, 2)?;
    let date = NaiveDate::from_ymd_opt(if negative { -year } else { year }, month, day)?;
    Some((date, t))
}

/// Exactly `YYYY-MM-DD`.
pub fn parse_date(t: &str) -> Option<NaiveDate> {
    match date_prefix(t)? {
        (date, "") => Some(date),
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM[:SS[.ffffff]]`, with a space or `T` between date and time.
pub fn parse_datetime(t: &str) -> Option<NaiveDateTime> {
    let (date, t) = date_prefix(t)?;
    let t = t.strip_prefix(' ').or_else(|| t.strip_prefix('T'))?;
    let (hour, t) = digits(t, 1, 2)?;
    let t = t.strip_prefix(':')?;
    let (minute, t) = digits(t, 1, 2)?;
    let (second, nanos, t) = match t.strip_prefix(':') {
        None => (0, 0, t),
        Some(t) => {
            let (second, t) = digits(t, 1, 2)?;
            match t.strip_prefix('.') {
                None => (second, 0, t),
                Some(t) => {
                    let n = t.bytes().take_while(u8::is_ascii_digit).count();
                    let (frac, rest) = t.split_at(n);
                    // Nanoseconds from the first nine digits; more are ignored.
                    let nine: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
                    (second, nine.parse().ok()?, rest)
                }
            }
        }
    };
    if !t.is_empty() {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_read_and_write_as_chrono_did() {
        for text in ["2024-02-29", "0001-01-01", "9999-12-31", "1970-01-01"] {
            let via_chrono = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            assert_eq!(parse_date(text), via_chrono, "{text}");
            let d = parse_date(text).unwrap_or_default();
            assert_eq!(date_text(d), d.format("%Y-%m-%d").to_string());
        }
        for bad in [
            "2024-02-30",
            "2024-13-01",
            "2024-01",
            "2024-01-01x",
            "",
            "x-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap_or_default();
        assert_eq!(date_text(far), far.format("%Y-%m-%d").to_string());
        for (text, fmt) in [
            ("2026-11-22 23:35:40.510942", "%Y-%m-%d %H:%M:%S%.f"),
            ("2026-11-22T23:35:40", "%Y-%m-%dT%H:%M:%S%.f"),
            ("2026-11-22 23:35", "%Y-%m-%d %H:%M"),
            ("2026-01-02 03:04:05.123456789", "%Y-%m-%d %H:%M:%S%.f"),
        ] {
            let via_chrono = NaiveDateTime::parse_from_str(text, fmt).ok();
            assert!(via_chrono.is_some(), "{text}");
            assert_eq!(parse_datetime(text), via_chrono, "{text}");
            let ts = via_chrono.unwrap_or_default();
            assert_eq!(
                datetime_text(&ts),
                ts.format("%Y-%m-%d %H:%M:%S").to_string()
            );
        }
        for bad in [
            "2026-11-22 24:00",
            "2026-11-22 10:61",
            "2026-11-22 10",
            "2026-11-22 10:00:00.5x",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
