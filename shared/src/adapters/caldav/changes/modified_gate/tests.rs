use super::*;

/// A server second well inside a test's range.
const T: i64 = 1_796_400_000;

fn reading(modified: i64, date: i64) -> GateReading {
    GateReading {
        modified: Some(modified),
        date: Some(date),
    }
}

fn gate(trust: GateTrust, seen: i64, settled: bool, full_check_at: i64) -> ModifiedGate {
    ModifiedGate {
        trust,
        seen: Some(seen),
        settled,
        full_check_at: Some(full_check_at),
    }
}

fn trusted_settled() -> ModifiedGate {
    gate(GateTrust::Trusted, T, true, T + 10)
}

#[test]
fn a_trusted_settled_unmoved_value_says_unchanged() {
    assert!(says_unchanged(Some(&trusted_settled()), reading(T, T + 20)));
}

#[test]
fn a_moved_value_never_says_unchanged() {
    assert!(!says_unchanged(
        Some(&trusted_settled()),
        reading(T + 15, T + 20)
    ));
}

#[test]
fn a_value_from_the_second_of_its_reply_is_never_trusted() {
    let same_second = gate(GateTrust::Trusted, T, false, T);
    assert!(!says_unchanged(Some(&same_second), reading(T, T + 20)));
}

#[test]
fn settled_needs_the_full_margin_before_the_reply_date() {
    let one_second_before = after_full_check(None, reading(T, T + 1), Evidence::Nothing);
    let two_seconds_before = after_full_check(None, reading(T, T + 2), Evidence::Nothing);
    assert!(!one_second_before.settled);
    assert!(two_seconds_before.settled);
}

#[test]
fn an_unsettled_value_read_again_leaves_the_stored_gate_as_it_was() {
    let stored = after_full_check(None, reading(T, T), Evidence::Nothing);
    let again = after_full_check(Some(&stored), reading(T, T + 1), Evidence::Nothing);
    let settled = after_full_check(Some(&stored), reading(T, T + 2), Evidence::Nothing);
    assert_eq!(again, stored);
    assert!(settled.settled);
    assert_eq!(settled.full_check_at, Some(T + 2));
}

#[test]
fn an_untested_gate_is_not_trusted_even_when_settled() {
    let untested = gate(GateTrust::Untested, T, true, T + 10);
    assert!(!says_unchanged(Some(&untested), reading(T, T + 20)));
    assert!(!says_unchanged(None, reading(T, T + 20)));
}

#[test]
fn a_full_check_is_due_every_few_minutes_and_when_the_server_clock_goes_back() {
    let stored = trusted_settled();
    let full_check_at = T + 10;
    assert!(says_unchanged(
        Some(&stored),
        reading(T, full_check_at + FULL_CHECK_EVERY_SECS - 1)
    ));
    assert!(!says_unchanged(
        Some(&stored),
        reading(T, full_check_at + FULL_CHECK_EVERY_SECS)
    ));
    assert!(!says_unchanged(
        Some(&stored),
        reading(T, full_check_at - 1)
    ));
}

#[test]
fn a_reading_without_the_property_or_a_date_proves_nothing() {
    let no_property = GateReading {
        modified: None,
        date: Some(T + 20),
    };
    let no_date = GateReading {
        modified: Some(T),
        date: None,
    };
    assert!(!says_unchanged(Some(&trusted_settled()), no_property));
    assert!(!says_unchanged(Some(&trusted_settled()), no_date));
}

#[test]
fn servers_without_the_property_are_not_asked_again() {
    let learnt = after_full_check(
        None,
        GateReading {
            modified: None,
            date: Some(T),
        },
        Evidence::Nothing,
    );
    assert_eq!(learnt.trust, GateTrust::Unusable);
    assert!(!worth_asking(Some(&learnt)));
    assert!(worth_asking(None));
    assert!(worth_asking(Some(&trusted_settled())));
}

#[test]
fn the_value_moving_with_the_token_earns_trust() {
    let untested = gate(GateTrust::Untested, T, false, T);
    let now = reading(T + 30, T + 30);
    assert_eq!(evidence(Some(&untested), now, true), Evidence::Moved);
    let learnt = after_full_check(Some(&untested), now, Evidence::Moved);
    assert_eq!(learnt.trust, GateTrust::Trusted);
    assert_eq!(learnt.seen, Some(T + 30));
    assert_eq!(learnt.full_check_at, Some(T + 30));
}

#[test]
fn the_token_moving_under_a_settled_unmoved_value_condemns_the_gate_for_good() {
    let stored = trusted_settled();
    let now = reading(T, T + 60);
    assert_eq!(evidence(Some(&stored), now, true), Evidence::Stuck);
    let learnt = after_full_check(Some(&stored), now, Evidence::Stuck);
    assert_eq!(learnt.trust, GateTrust::Unusable);
    // Later evidence of the value moving does not bring it back.
    let later = after_full_check(Some(&learnt), reading(T + 90, T + 120), Evidence::Moved);
    assert_eq!(later.trust, GateTrust::Unusable);
}

#[test]
fn an_unsettled_unmoved_value_under_a_moved_token_proves_nothing() {
    // A change made in the same second as the stored value may legitimately leave it equal.
    let unsettled = gate(GateTrust::Trusted, T, false, T);
    let now = reading(T, T + 5);
    assert_eq!(evidence(Some(&unsettled), now, true), Evidence::Nothing);
    assert_eq!(
        after_full_check(Some(&unsettled), now, Evidence::Nothing).trust,
        GateTrust::Trusted
    );
}

#[test]
fn no_change_or_a_first_reading_teaches_nothing() {
    let stored = gate(GateTrust::Untested, T, true, T + 10);
    assert_eq!(
        evidence(Some(&stored), reading(T, T + 20), false),
        Evidence::Nothing
    );
    assert_eq!(
        evidence(Some(&stored), reading(T + 15, T + 20), false),
        Evidence::Nothing
    );
    assert_eq!(evidence(None, reading(T, T + 20), true), Evidence::Nothing);
}

#[test]
fn the_stored_value_is_the_one_read_before_the_report() {
    let learnt = after_full_check(
        Some(&trusted_settled()),
        reading(T + 40, T + 45),
        Evidence::Moved,
    );
    assert_eq!(
        learnt,
        gate(GateTrust::Trusted, T + 40, true, T + 45),
        "a trusted gate stays trusted and records the new reading"
    );
}
