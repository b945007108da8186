//! RFC 3339 timestamps as Kubernetes writes them (`2024-05-01T10:00:00.123456Z`, or with an
//! offset), to microseconds since the Unix epoch.

/// Microseconds since 1970-01-01T00:00:00Z of an RFC 3339 timestamp, or `None` if it is not
/// one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| digits(b.get(from..to)?);
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let count = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        // Microseconds: the first six digits, as many as there are, scaled up.
        let kept = count.min(6);
        micros = digits(&frac[..kept])? * 10i64.pow(6 - kept as u32);
        rest = &frac[count..];
    }
    let offset_s = match rest {
        b"Z" | b"z" => 0,
        _ => {
            let sign = match rest.first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest[3] != b':' {
                return None;
            }
            sign * (digits(&rest[1..3])? * 3600 + digits(&rest[4..6])? * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    Some(secs * 1_000_000 + micros)
}

/// The value of a few decimal digits (at most 18), or `None` if any byte is not one.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_api_server_writes() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("1970-01-02T00:00:01.5Z"),
            Some(86_401_500_000)
        );
        // 2024-02-29 is day 19,782 since the epoch.
        assert_eq!(
            parse_rfc3339("2024-02-29T10:20:30.123456Z"),
            Some((19_782 * 86_400 + 37_230) * 1_000_000 + 123_456)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T18:20:30.123456+08:00"),
            parse_rfc3339("2024-02-29T10:20:30.123456Z")
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T10:20:30.1234567Z"),
            parse_rfc3339("2024-02-29T10:20:30.123456Z"),
            "nanoseconds are cut to microseconds"
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T04:50:30.1-05:30"),
            Some((19_782 * 86_400 + 37_230) * 1_000_000 + 100_000)
        );
        for bad in [
            "2024-02-29T10:20:30.123456+0800",
            "2024-02-29T1a:20:30Z",
            "2024-02-29T10:20:30Zz",
            "",
            "2024-02-29",
            "2024-13-01T00:00:00Z",
            "2024-02-29T10:20:30",
            "x024-02-29T10:20:30Z",
            "2024-02-29T10:20:30.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
