//! Times on the wire, in exports and in the UI's bindings: RFC 3339, UTC.
//! The one place that formats and parses them.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `2026-12-03T22:43:36Z` (fractions of a second when `t` has them).
pub fn format(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The current time, as [`format`] writes it.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Unix seconds (as stored) as [`format`] writes them; empty when out of
/// range.
pub fn from_unix(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(format)
        .unwrap_or_default()
}

/// An RFC 3339 time with any offset; `None` for anything else.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_shapes() {
        assert_eq!(from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(from_unix(i64::MAX), "");
        let t = parse("2026-12-03T17:43:36-05:00").unwrap();
        assert_eq!(
            format(t.to_offset(time::UtcOffset::UTC)),
            "2026-12-03T22:43:36Z"
        );
        assert_eq!(
            parse(&now()).map(|t| t.offset()),
            Some(time::UtcOffset::UTC)
        );
        // RFC 3339 lets a space stand for the T (section 5.6); `time` takes
        // it, so it is no refusal case. A time without an offset is.
        for bad in ["", "2026-12-03", "2026-12-03T22:43:36", "tomorrow"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
