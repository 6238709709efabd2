//! Windows ⇄ IANA time-zone names. Graph stores and reports Windows names
//! ("W. Europe Standard Time"); calsync's model carries IANA names.
//!
//! Windows → IANA goes through [`resolve_zone`] (calcard's table). IANA → Windows uses the
//! CLDR `windowsZones.xml` "golden" zones (territory 001) below, each the zone calcard reads
//! the Windows name back as (calcard differs from CLDR for "Mountain Standard Time (Mexico)" and
//! lacks "South Sudan Standard Time", so those follow calcard / are left out), so a written zone reads back unchanged (a test checks every row).
//! Other IANA zones are written as they are: Graph accepts IANA names besides Windows ones
//! (dateTimeTimeZone resource: "additional time zones").

use crate::domain::resolve_zone;

/// (IANA golden zone, Windows name), from CLDR windowsZones (territory 001).
const GOLDEN: &[(&str, &str)] = &[
    ("Etc/GMT+12", "Dateline Standard Time"),
    ("Etc/GMT+11", "UTC-11"),
    ("America/Adak", "Aleutian Standard Time"),
    ("Pacific/Honolulu", "Hawaiian Standard Time"),
    ("Pacific/Marquesas", "Marquesas Standard Time"),
    ("America/Anchorage", "Alaskan Standard Time"),
    ("Etc/GMT+9", "UTC-09"),
    ("America/Tijuana", "Pacific Standard Time (Mexico)"),
    ("Etc/GMT+8", "UTC-08"),
    ("America/Los_Angeles", "Pacific Standard Time"),
    ("America/Phoenix", "US Mountain Standard Time"),
    ("America/Chihuahua", "Mountain Standard Time (Mexico)"),
    ("America/Denver", "Mountain Standard Time"),
    ("America/Whitehorse", "Yukon Standard Time"),
    ("America/Guatemala", "Central America Standard Time"),
    ("America/Chicago", "Central Standard Time"),
    ("Pacific/Easter", "Easter Island Standard Time"),
    ("America/Mexico_City", "Central Standard Time (Mexico)"),
    ("America/Regina", "Canada Central Standard Time"),
    ("America/Bogota", "SA Pacific Standard Time"),
    ("America/Cancun", "Eastern Standard Time (Mexico)"),
    ("America/New_York", "Eastern Standard Time"),
    ("America/Port-au-Prince", "Haiti Standard Time"),
    ("America/Havana", "Cuba Standard Time"),
    ("America/Asuncion", "Paraguay Standard Time"),
    ("America/Halifax", "Atlantic Standard Time"),
    ("America/Caracas", "Venezuela Standard Time"),
    ("America/Cuiaba", "Central Brazilian Standard Time"),
    ("America/La_Paz", "SA Western Standard Time"),
    ("America/Santiago", "Pacific SA Standard Time"),
    ("America/St_Johns", "Newfoundland Standard Time"),
    ("America/Araguaina", "Tocantins Standard Time"),
    ("America/Sao_Paulo", "E. South America Standard Time"),
    ("America/Cayenne", "SA Eastern Standard Time"),
    ("America/Montevideo", "Montevideo Standard Time"),
    ("America/Punta_Arenas", "Magallanes Standard Time"),
    ("America/Miquelon", "Saint Pierre Standard Time"),
    ("America/Bahia", "Bahia Standard Time"),
    ("Etc/GMT+2", "UTC-02"),
    ("Atlantic/Azores", "Azores Standard Time"),
    ("Atlantic/Cape_Verde", "Cape Verde Standard Time"),
    ("Europe/London", "GMT Standard Time"),
    ("Atlantic/Reykjavik", "Greenwich Standard Time"),
    ("Africa/Sao_Tome", "Sao Tome Standard Time"),
    ("Africa/Casablanca", "Morocco Standard Time"),
    ("Europe/Berlin", "W. Europe Standard Time"),
    ("Europe/Budapest", "Central Europe Standard Time"),
    ("Europe/Paris", "Romance Standard Time"),
    ("Europe/Warsaw", "Central European Standard Time"),
    ("Africa/Lagos", "W. Central Africa Standard Time"),
    ("Asia/Amman", "Jordan Standard Time"),
    ("Europe/Bucharest", "GTB Standard Time"),
    ("Asia/Beirut", "Middle East Standard Time"),
    ("Africa/Cairo", "Egypt Standard Time"),
    ("Europe/Chisinau", "E. Europe Standard Time"),
    ("Asia/Damascus", "Syria Standard Time"),
    ("Asia/Hebron", "West Bank Standard Time"),
    ("Africa/Johannesburg", "South Africa Standard Time"),
    ("Asia/Jerusalem", "Israel Standard Time"),
    ("Europe/Kaliningrad", "Kaliningrad Standard Time"),
    ("Africa/Khartoum", "Sudan Standard Time"),
    ("Africa/Tripoli", "Libya Standard Time"),
    ("Africa/Windhoek", "Namibia Standard Time"),
    ("Asia/Baghdad", "Arabic Standard Time"),
    ("Europe/Istanbul", "Turkey Standard Time"),
    ("Asia/Riyadh", "Arab Standard Time"),
    ("Europe/Minsk", "Belarus Standard Time"),
    ("Europe/Moscow", "Russian Standard Time"),
    ("Africa/Nairobi", "E. Africa Standard Time"),
    ("Europe/Volgograd", "Volgograd Standard Time"),
    ("Asia/Tehran", "Iran Standard Time"),
    ("Asia/Dubai", "Arabian Standard Time"),
    ("Europe/Astrakhan", "Astrakhan Standard Time"),
    ("Asia/Baku", "Azerbaijan Standard Time"),
    ("Europe/Samara", "Russia Time Zone 3"),
    ("Indian/Mauritius", "Mauritius Standard Time"),
    ("Europe/Saratov", "Saratov Standard Time"),
    ("Asia/Tbilisi", "Georgian Standard Time"),
    ("Asia/Yerevan", "Caucasus Standard Time"),
    ("Asia/Kabul", "Afghanistan Standard Time"),
    ("Asia/Tashkent", "West Asia Standard Time"),
    ("Asia/Yekaterinburg", "Ekaterinburg Standard Time"),
    ("Asia/Karachi", "Pakistan Standard Time"),
    ("Asia/Qyzylorda", "Qyzylorda Standard Time"),
    ("Asia/Colombo", "Sri Lanka Standard Time"),
    ("Asia/Dhaka", "Bangladesh Standard Time"),
    ("Asia/Omsk", "Omsk Standard Time"),
    ("Asia/Bangkok", "SE Asia Standard Time"),
    ("Asia/Barnaul", "Altai Standard Time"),
    ("Asia/Hovd", "W. Mongolia Standard Time"),
    ("Asia/Krasnoyarsk", "North Asia Standard Time"),
    ("Asia/Novosibirsk", "N. Central Asia Standard Time"),
    ("Asia/Tomsk", "Tomsk Standard Time"),
    ("Asia/Shanghai", "China Standard Time"),
    ("Asia/Irkutsk", "North Asia East Standard Time"),
    ("Asia/Singapore", "Singapore Standard Time"),
    ("Australia/Perth", "W. Australia Standard Time"),
    ("Asia/Taipei", "Taipei Standard Time"),
    ("Asia/Ulaanbaatar", "Ulaanbaatar Standard Time"),
    ("Australia/Eucla", "Aus Central W. Standard Time"),
    ("Asia/Chita", "Transbaikal Standard Time"),
    ("Asia/Tokyo", "Tokyo Standard Time"),
    ("Asia/Pyongyang", "North Korea Standard Time"),
    ("Asia/Seoul", "Korea Standard Time"),
    ("Asia/Yakutsk", "Yakutsk Standard Time"),
    ("Australia/Adelaide", "Cen. Australia Standard Time"),
    ("Australia/Darwin", "AUS Central Standard Time"),
    ("Australia/Brisbane", "E. Australia Standard Time"),
    ("Australia/Sydney", "AUS Eastern Standard Time"),
    ("Pacific/Port_Moresby", "West Pacific Standard Time"),
    ("Australia/Hobart", "Tasmania Standard Time"),
    ("Asia/Vladivostok", "Vladivostok Standard Time"),
    ("Australia/Lord_Howe", "Lord Howe Standard Time"),
    ("Pacific/Bougainville", "Bougainville Standard Time"),
    ("Asia/Srednekolymsk", "Russia Time Zone 10"),
    ("Asia/Magadan", "Magadan Standard Time"),
    ("Pacific/Norfolk", "Norfolk Standard Time"),
    ("Asia/Sakhalin", "Sakhalin Standard Time"),
    ("Pacific/Guadalcanal", "Central Pacific Standard Time"),
    ("Asia/Kamchatka", "Russia Time Zone 11"),
    ("Pacific/Auckland", "New Zealand Standard Time"),
    ("Etc/GMT-12", "UTC+12"),
    ("Pacific/Fiji", "Fiji Standard Time"),
    ("Pacific/Chatham", "Chatham Islands Standard Time"),
    ("Etc/GMT-13", "UTC+13"),
    ("Pacific/Tongatapu", "Tonga Standard Time"),
    ("Pacific/Apia", "Samoa Standard Time"),
    ("Pacific/Kiritimati", "Line Islands Standard Time"),
];

/// Graph's names for UTC (`originalStartTimeZone` of events created in UTC).
const UTC_NAMES: &[&str] = &[
    "UTC",
    "Etc/UTC",
    "tzone://Microsoft/Utc",
    "Coordinated Universal Time",
];

/// The zone a Graph time-zone name denotes, as an IANA zone; `None` for custom zones
/// (`tzone://Microsoft/Custom`) and names nobody knows.
pub fn iana_zone(graph_name: &str) -> Option<chrono_tz::Tz> {
    if UTC_NAMES.iter().any(|n| n.eq_ignore_ascii_case(graph_name)) {
        return Some(chrono_tz::UTC);
    }
    resolve_zone(graph_name)
}

/// The name to write for a model TZID: the Windows name of a golden zone, a Windows name as
/// it is, any other IANA zone as it is. `None` when the zone is unknown (custom VTIMEZONE):
/// the caller writes UTC instead.
pub fn graph_zone_name(tzid: &str) -> Option<String> {
    if let Some((_, windows)) = GOLDEN.iter().find(|(iana, _)| *iana == tzid) {
        return Some((*windows).to_string());
    }
    if GOLDEN.iter().any(|(_, windows)| *windows == tzid) {
        return Some(tzid.to_string());
    }
    let zone = resolve_zone(tzid)?;
    match GOLDEN.iter().find(|(iana, _)| *iana == zone.name()) {
        // A Windows name other than the golden one, or a vendor-prefixed IANA name.
        Some((_, windows)) if tzid.contains(' ') || tzid.starts_with('/') => {
            Some((*windows).to_string())
        }
        _ => Some(zone.name().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_golden_row_reads_back_as_the_same_iana_zone() {
        let mismatched: Vec<String> = GOLDEN
            .iter()
            .filter(|(iana, windows)| iana_zone(windows).map(|z| z.name()) != Some(*iana))
            .map(|(iana, windows)| format!("{windows}: {iana} vs {:?}", iana_zone(windows)))
            .collect();
        assert!(mismatched.is_empty(), "{mismatched:#?}");
        for (iana, windows) in GOLDEN {
            assert_eq!(graph_zone_name(iana).as_deref(), Some(*windows));
        }
    }

    #[test]
    fn common_windows_names_map_to_iana_zones() {
        for (windows, iana) in [
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("Eastern Standard Time", "America/New_York"),
            ("GMT Standard Time", "Europe/London"),
            ("Tokyo Standard Time", "Asia/Tokyo"),
            ("AUS Eastern Standard Time", "Australia/Sydney"),
        ] {
            assert_eq!(iana_zone(windows).map(|z| z.name()), Some(iana));
        }
        assert_eq!(iana_zone("tzone://Microsoft/Utc"), Some(chrono_tz::UTC));
        assert_eq!(iana_zone("tzone://Microsoft/Custom"), None);
    }

    #[test]
    fn non_golden_iana_zones_are_written_as_they_are() {
        assert_eq!(
            graph_zone_name("Europe/Vienna").as_deref(),
            Some("Europe/Vienna")
        );
        assert_eq!(
            graph_zone_name("W. Europe Standard Time").as_deref(),
            Some("W. Europe Standard Time")
        );
        assert_eq!(graph_zone_name("My Own Zone"), None);
    }
}
