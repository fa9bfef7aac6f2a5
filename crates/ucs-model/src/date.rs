//! Dates on the wire: the `yyyy-MM-dd` request bounds and the
//! `yyyy-MM-dd HH:mm:ss.SSS±HHMM` timestamps of results.

use crate::error::{RequestError, Result};
use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone,
    Utc,
};
use chrono_tz::Tz;

/// The timestamp format of results, e.g. `2015-10-01 12:17:45.000+0300`.
pub const GWS_TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f%z";

/// What the parser says when a date parameter is not understood.
pub(crate) const EXPECTED_DATE: &str = "expected yyyy-MM-dd or an ISO-8601 date-time";

/// Which end of the range a date bound is: a bare date stands for the whole day, so a start bound
/// is its first millisecond and an end bound its last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BoundEnd {
    Start,
    End,
}

/// Parses a `fromDate`/`toDate` value into the instant it stands for.
///
/// Accepted forms: `yyyy-MM-dd` (the whole day in `tz`), an RFC 3339 date-time with an offset
/// (`2015-10-01T12:00:00Z`, `…+03:00`, `…+0300`), or one without an offset (read in `tz`).
pub(crate) fn parse_bound(name: &str, text: &str, tz: Tz, end: BoundEnd) -> Result<DateTime<Utc>> {
    let invalid = || RequestError::invalid(name, EXPECTED_DATE);
    if let Some(date) = parse_plain_date(text) {
        return Ok(match end {
            BoundEnd::Start => start_of_day(date, tz),
            BoundEnd::End => end_of_day(date, tz),
        });
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(instant) = DateTime::parse_from_str(text, format) {
            return Ok(instant.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return resolve_local(local, tz, end).ok_or_else(invalid);
        }
    }
    Err(invalid())
}

/// `yyyy-MM-dd` exactly: four-digit year, two-digit month and day.
fn parse_plain_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    // The digits read as numbers straight away (chrono's format parser costs a history request
    // more than its whole cache lookup).
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u32, |n, digit| n * 10 + u32::from(digit - b'0'))
    };
    let year = i32::try_from(number(&bytes[..4])).ok()?;
    NaiveDate::from_ymd_opt(year, number(&bytes[5..7]), number(&bytes[8..]))
}

/// The first instant of `date` in `tz` (00:00:00.000, or the first existing minute after a gap).
pub(crate) fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    resolve_local(local, tz, BoundEnd::Start).unwrap_or_else(|| local.and_utc())
}

/// The last instant of `date` in `tz` (23:59:59.999).
pub(crate) fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN) + TimeDelta::days(1) - TimeDelta::milliseconds(1);
    resolve_local(local, tz, BoundEnd::End).unwrap_or_else(|| local.and_utc())
}

/// Maps a wall-clock time in `tz` to an instant. Ambiguous times (clocks turned back) take the
/// earlier instant for a start bound and the later one for an end bound, so the range only ever
/// widens; a time inside a gap (clocks turned forward) moves to the gap's edge.
fn resolve_local(local: NaiveDateTime, tz: Tz, end: BoundEnd) -> Option<DateTime<Utc>> {
    let pick = |r: LocalResult<DateTime<Tz>>| match end {
        BoundEnd::Start => r.earliest(),
        BoundEnd::End => r.latest(),
    };
    if let Some(t) = pick(tz.from_local_datetime(&local)) {
        return Some(t.with_timezone(&Utc));
    }
    // Inside a gap: step towards the inside of the range until the wall clock exists again.
    // Real gaps are at most a few hours long.
    let step = match end {
        BoundEnd::Start => TimeDelta::minutes(1),
        BoundEnd::End => TimeDelta::minutes(-1),
    };
    let mut probe = local;
    for _ in 0..(24 * 60) {
        probe += step;
        if let Some(t) = pick(tz.from_local_datetime(&probe)) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

/// Formats an instant the way GWS prints it, in `tz`: `2015-10-01 12:17:45.000+0300`.
pub fn format_gws_timestamp(instant: &DateTime<FixedOffset>) -> String {
    instant.format(GWS_TIMESTAMP_FORMAT).to_string()
}

/// Serde glue for GWS timestamps (`DateTime<FixedOffset>` keeps the offset it was printed with).
pub(crate) mod gws_timestamp {
    use super::GWS_TIMESTAMP_FORMAT;
    use chrono::{DateTime, FixedOffset};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &DateTime<FixedOffset>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&value.format(GWS_TIMESTAMP_FORMAT))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<FixedOffset>, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_str(&text, GWS_TIMESTAMP_FORMAT)
            .map_err(|e| D::Error::custom(format!("bad timestamp {text:?}: {e}")))
    }

    /// The same for an optional timestamp (`endDate`, absent while an interaction is open).
    pub(crate) mod option {
        use chrono::{DateTime, FixedOffset};
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            value: &Option<DateTime<FixedOffset>>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] DateTime<FixedOffset>);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn plain_dates_cover_the_whole_day_in_the_time_zone() {
        let tz: Tz = "Europe/Moscow".parse().unwrap();
        let from = parse_bound("fromDate", "2015-10-01", tz, BoundEnd::Start).unwrap();
        let to = parse_bound("toDate", "2015-10-01", tz, BoundEnd::End).unwrap();
        assert_eq!(from, utc("2015-09-30T21:00:00Z"));
        assert_eq!(to, utc("2015-10-01T20:59:59.999Z"));
    }

    #[test]
    fn date_times_with_and_without_offsets() {
        let tz = Tz::UTC;
        for (text, expected) in [
            ("2015-10-01T12:00:00Z", "2015-10-01T12:00:00Z"),
            ("2015-10-01T12:00:00.250+03:00", "2015-10-01T09:00:00.250Z"),
            ("2015-10-01T12:00:00+0300", "2015-10-01T09:00:00Z"),
            ("2015-10-01T12:00:00", "2015-10-01T12:00:00Z"),
            ("2015-10-01T12:00", "2015-10-01T12:00:00Z"),
        ] {
            assert_eq!(
                parse_bound("fromDate", text, tz, BoundEnd::Start).unwrap(),
                utc(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_date_and_names_the_parameter() {
        for text in [
            "",
            "2015-1-01",
            "01-10-2015",
            "2015-02-30",
            "20151001",
            "2015-10-01x",
            "yesterday",
        ] {
            let err = parse_bound("toDate", text, Tz::UTC, BoundEnd::End).unwrap_err();
            assert!(
                err.status_message().starts_with("Invalid value for toDate"),
                "{text}"
            );
        }
    }

    #[test]
    fn plain_dates_are_read_as_chrono_reads_them() {
        for year in [
            "0000", "0001", "1900", "1999", "2000", "2016", "2100", "9999",
        ] {
            for month in 0..=99 {
                for day in 0..=99 {
                    let text = format!("{year}-{month:02}-{day:02}");
                    let chrono = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
                    assert_eq!(parse_plain_date(&text), chrono, "{text}");
                }
            }
        }
    }

    #[test]
    fn a_day_that_starts_in_a_dst_gap_starts_at_the_first_existing_minute() {
        // America/Santiago moved clocks from 00:00 to 01:00 on 2018-08-12.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let start = start_of_day(NaiveDate::from_ymd_opt(2018, 8, 12).unwrap(), tz);
        assert_eq!(start, utc("2018-08-12T04:00:00Z"));
    }

    #[test]
    fn timestamps_print_like_gws() {
        let t = DateTime::parse_from_rfc3339("2015-10-01T12:17:45+03:00").unwrap();
        assert_eq!(format_gws_timestamp(&t), "2015-10-01 12:17:45.000+0300");
    }
}
