use super::super::recurrence::{SeriesStart, from_graph, to_graph};
use chrono::NaiveDateTime;

fn start(s: &str, zone: chrono_tz::Tz) -> SeriesStart {
    SeriesStart {
        local: NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").unwrap(),
        zone,
    }
}

/// Monday 2026-01-05 09:00 Berlin.
fn monday() -> SeriesStart {
    start("20260105T090000", chrono_tz::Europe::Berlin)
}

fn round_trip(rule: &str) -> String {
    let graph = to_graph(rule, monday(), "W. Europe Standard Time").unwrap();
    from_graph(&graph, monday(), false).unwrap()
}

#[test]
fn every_graph_pattern_type_round_trips() {
    for rule in [
        "FREQ=DAILY",
        "FREQ=DAILY;COUNT=10;INTERVAL=3",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
        "FREQ=MONTHLY;BYMONTHDAY=5",
        "FREQ=MONTHLY;BYDAY=1MO",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=YEARLY;BYMONTHDAY=5;BYMONTH=1",
        "FREQ=YEARLY;BYDAY=1MO;BYMONTH=1",
        "FREQ=YEARLY;BYDAY=SA,SU;BYMONTH=3;BYSETPOS=2",
    ] {
        assert_eq!(round_trip(rule), rule);
    }
}

#[test]
fn graph_json_has_the_documented_shape() {
    let graph = to_graph(
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
        monday(),
        "W. Europe Standard Time",
    )
    .unwrap();
    let json = serde_json::to_value(&graph).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
            "range": {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 3,
                      "recurrenceTimeZone": "W. Europe Standard Time"}
        })
    );
}

#[test]
fn until_becomes_an_end_date_in_the_series_zone_and_back_the_last_start() {
    // 08:00Z on 2026-01-26 is 09:00 in Berlin: the last occurrence.
    let rule = "FREQ=WEEKLY;UNTIL=20260126T080000Z;BYDAY=MO";
    let graph = to_graph(rule, monday(), "W. Europe Standard Time").unwrap();
    assert_eq!(graph.range.kind, "endDate");
    assert_eq!(graph.range.end_date.as_deref(), Some("2026-01-26"));
    assert_eq!(from_graph(&graph, monday(), false).unwrap(), rule);
    let all_day = to_graph("FREQ=DAILY;UNTIL=20260110", monday(), "UTC").unwrap();
    assert_eq!(
        from_graph(&all_day, monday(), true).unwrap(),
        "FREQ=DAILY;UNTIL=20260110"
    );
}

#[test]
fn weekday_rules_and_plain_weekly_rules_become_weekly_patterns() {
    let weekdays = to_graph("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", monday(), "UTC").unwrap();
    assert_eq!(weekdays.pattern.kind, "weekly");
    assert_eq!(weekdays.pattern.days_of_week.len(), 5);
    let plain = to_graph("FREQ=WEEKLY", monday(), "UTC").unwrap();
    assert_eq!(plain.pattern.days_of_week, vec!["monday".to_string()]);
}

#[test]
fn rules_graph_cannot_express_are_refused_with_a_reason() {
    for rule in [
        "FREQ=HOURLY",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=WEEKLY;BYWEEKNO=3",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        "FREQ=MONTHLY;BYDAY=-2FR",
        "FREQ=YEARLY;BYMONTH=1,7",
        "FREQ=DAILY;COUNT=3;UNTIL=20260110",
        "FREQ=SOMETIMES",
    ] {
        let refused = to_graph(rule, monday(), "UTC");
        assert!(refused.is_err(), "{rule} must be refused");
        assert!(!refused.unwrap_err().is_empty());
    }
}
