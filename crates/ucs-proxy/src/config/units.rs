//! Values with units in the configuration. Every duration and byte size keeps its historical
//! key (`ttl_seconds`, `max_bytes`, …) and its plain integer form in that key's unit, and also
//! reads a string with a unit: `"90s"`, `"15m"`, `"250ms"`, `"256MiB"`, `"64KiB"`. `check`
//! prints them back as integers, in the key's unit.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};
use std::fmt;
use std::time::Duration;

/// An integer, or a string of a number and a unit.
#[derive(Deserialize)]
#[serde(untagged)]
enum Amount {
    Integer(u64),
    Text(String),
}

/// Splits `"15m"` into `(15, "m")` (spaces allowed between).
fn number_and_unit(text: &str) -> Option<(u64, &str)> {
    let text = text.trim();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number = text[..end].parse().ok()?;
    Some((number, text[end..].trim()))
}

/// A duration written as `<n><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let (n, unit) = number_and_unit(text)?;
    let seconds = |factor: u64| n.checked_mul(factor).map(Duration::from_secs);
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => seconds(1),
        "m" | "min" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(86_400),
        _ => None,
    }
}

/// A byte size written as `<n><unit>` with unit `B`, `KiB`, `MiB`, `GiB` (or `KB`, `MB`, `GB`,
/// read as powers of 1000).
pub(crate) fn parse_bytes(text: &str) -> Option<u64> {
    let (n, unit) = number_and_unit(text)?;
    let factor: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

fn amount<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    integer: impl FnOnce(u64) -> T,
    text: impl FnOnce(&str) -> Option<T>,
    expected: &'static str,
) -> Result<T, D::Error> {
    match Amount::deserialize(deserializer)? {
        Amount::Integer(n) => Ok(integer(n)),
        Amount::Text(t) => {
            text(&t).ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&t), &expected))
        }
    }
}

/// A duration whose integer form is in seconds (`*_seconds` keys).
pub(crate) mod seconds {
    use super::*;

    /// Reads seconds or a duration with a unit.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        amount(
            d,
            Duration::from_secs,
            parse_duration,
            "whole seconds or a duration such as \"90s\" or \"15m\"",
        )
    }

    /// Writes whole seconds.
    pub(crate) fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.as_secs())
    }
}

/// A duration whose integer form is in milliseconds (`*_ms` keys).
pub(crate) mod millis {
    use super::*;

    /// Reads milliseconds or a duration with a unit.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        amount(
            d,
            Duration::from_millis,
            parse_duration,
            "milliseconds or a duration such as \"250ms\" or \"5s\"",
        )
    }

    /// Writes whole milliseconds.
    pub(crate) fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }
}

/// A byte size (`*_bytes` keys).
pub(crate) mod bytes {
    use super::*;

    /// Reads bytes or a size with a unit.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
        d: D,
    ) -> Result<T, D::Error> {
        let n = amount(
            d,
            |n| n,
            parse_bytes,
            "a number of bytes or a size such as \"256MiB\"",
        )?;
        T::try_from(n).map_err(|_| de::Error::custom(format!("{n} bytes is too large")))
    }

    /// Writes bytes.
    pub(crate) fn serialize<S: Serializer, T: Copy>(value: &T, s: S) -> Result<S::Ok, S::Error>
    where
        u64: TryFrom<T>,
    {
        s.serialize_u64(u64::try_from(*value).unwrap_or(u64::MAX))
    }
}

/// A map of media type to seconds (`[cache.media_ttl_seconds]`), each value as in [`seconds`].
pub(crate) mod seconds_map {
    use super::*;
    use serde::ser::SerializeMap;
    use std::collections::BTreeMap;
    use ucs_model::MediaType;

    #[derive(Deserialize)]
    struct Entry(#[serde(with = "super::seconds")] Duration);

    /// Reads the map.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<MediaType, Duration>, D::Error> {
        let map = BTreeMap::<MediaType, Entry>::deserialize(d)?;
        Ok(map.into_iter().map(|(k, Entry(v))| (k, v)).collect())
    }

    /// Writes whole seconds.
    pub(crate) fn serialize<S: Serializer>(
        value: &BTreeMap<MediaType, Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(value.len()))?;
        for (k, v) in value {
            map.serialize_entry(k, &v.as_secs())?;
        }
        map.end()
    }
}

/// An IANA time zone name (`api.time_zone`).
pub(crate) mod time_zone {
    use super::*;
    use ucs_model::Tz;

    struct ZoneName;

    impl Visitor<'_> for ZoneName {
        type Value = Tz;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an IANA time zone such as \"Europe/Paris\"")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<Tz, E> {
            name.parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(name), &self))
        }
    }

    /// Reads a zone name.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        d.deserialize_str(ZoneName)
    }

    /// Writes the zone's name.
    pub(crate) fn serialize<S: Serializer>(value: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_with_units() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2 h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("5 fortnights"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_bytes("256MiB"), Some(256 << 20));
        assert_eq!(parse_bytes("64KiB"), Some(65536));
        assert_eq!(parse_bytes("1GB"), Some(1_000_000_000));
        assert_eq!(parse_bytes("12"), Some(12));
        assert_eq!(parse_bytes("3 parsecs"), None);
        assert_eq!(parse_bytes("99999999999999999999GiB"), None);
    }
}
