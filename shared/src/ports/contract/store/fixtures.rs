//! Test data for the store contract, shared with adapters' own tests.

use crate::domain::{
    Account, AccountId, AccountKind, CalendarId, CalendarInfo, Capabilities, Component,
    DetectionMethod, Etag, Event, EventStatus, EventTime, Filters, GateTrust, Link, LinkId,
    LinkRules, ModifiedGate, OriginKey, OriginTag, Participant, Privacy, Recurrence, RecurrenceKey,
    RecurrenceSupport, RemoteId, SyncCursor, TenantId, TitlePattern, Topology, Transparency,
    content_hash, field_hashes,
};
use crate::engine::{IgnoreReason, ItemBinding, ItemRef, ItemStatus, Shadow, Side};
use crate::ports::{CalendarCommit, CalendarSyncState, IndexChange, Store};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use rand::RngCore;
use std::collections::BTreeMap;

/// A tenant no other run has used: `<label>-<random>`.
pub(crate) fn tenant(label: &str) -> TenantId {
    TenantId::parse(format!("{label}-{:08x}", rand::rng().next_u32())).unwrap()
}

pub(crate) fn account_id(id: &str) -> AccountId {
    AccountId::parse(id).unwrap()
}

pub(crate) fn calendar_id(id: &str) -> CalendarId {
    CalendarId::parse(id).unwrap()
}

pub(crate) fn link_id(id: &str) -> LinkId {
    LinkId::parse(id).unwrap()
}

pub(crate) fn account(id: &str, name: &str) -> Account {
    Account {
        id: account_id(id),
        name: name.to_string(),
        kind: AccountKind::Caldav,
        url: Some("https://dav.example.org/dav/".to_string()),
        username: Some("alice".to_string()),
        // Bytes that are not valid UTF-8: the column must be binary.
        sealed_secret: vec![1, 0, 0xff, 0xfe, 42, 0, 7],
        created_at: Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap(),
    }
}

pub(crate) fn calendar(id: &str, account: &str) -> CalendarInfo {
    CalendarInfo {
        id: calendar_id(id),
        account: account_id(account),
        name: format!("Calendar {id}"),
        url: format!("https://dav.example.org/dav/calendars/alice/{id}/"),
        color: Some("#3366ffff".to_string()),
        owner_emails: vec!["alice@example.org".to_string()],
        read_only: false,
        capabilities: Capabilities {
            sync_collection: true,
            ctag: true,
            recurrence: RecurrenceSupport::Intact,
        },
    }
}

pub(crate) fn link(id: &str, name: &str, calendars: &[&str]) -> Link {
    Link::new(
        link_id(id),
        name.to_string(),
        Topology::Mesh,
        calendars.iter().map(|c| calendar_id(c)).collect(),
        LinkRules::default(),
    )
    .unwrap()
}

/// A star with every rule set, to check links round-trip whole.
pub(crate) fn star_link(id: &str, name: &str) -> Link {
    let rules = LinkRules {
        privacy: Privacy::Title,
        privacy_by_target: [(calendar_id("spoke2"), Privacy::Busy)].into(),
        one_way: true,
        filters: Filters {
            skip_all_day: true,
            skip_free: true,
            skip_declined: false,
            include_title: Some(TitlePattern::parse("^(Work|Büro)").unwrap()),
            exclude_title: Some(TitlePattern::parse("(?i)private").unwrap()),
        },
        busy_title: "Occupé".to_string(),
        ..LinkRules::default()
    };
    let topology = Topology::Star {
        hub: calendar_id("hub"),
        relay_spokes: true,
    };
    let calendars = ["hub", "spoke1", "spoke2"].map(calendar_id).to_vec();
    Link::new(link_id(id), name.to_string(), topology, calendars, rules).unwrap()
}

pub(crate) fn sync_state(token: &str, items: usize) -> CalendarSyncState {
    CalendarSyncState {
        cursor: SyncCursor {
            token: Some(format!("https://dav.example.org/sync/{token}")),
            ctag: Some(format!("\"ctag-{token}\"")),
            // Every field set, so a store that drops the gate fails the contract.
            modified_gate: Some(ModifiedGate {
                trust: GateTrust::Trusted,
                seen: Some(1_767_297_000),
                settled: true,
                full_check_at: Some(1_767_297_005),
            }),
        },
        method: DetectionMethod::SyncCollection,
        last_checked: Some(Utc.timestamp_opt(1_767_300_000, 5_000).unwrap()),
        last_success: Some(Utc.timestamp_opt(1_767_299_000, 0).unwrap()),
        last_error: Some("HTTP 503 from the server".to_string()),
        item_count: items,
        last_changed: Some(Utc.timestamp_opt(1_767_298_000, 0).unwrap()),
    }
}

/// A calendar commit with the given index changes: `Some(etag)` upserts, `None` removes.
pub(crate) fn calendar_commit(
    calendar: &str,
    token: &str,
    changes: &[(&str, Option<Option<&str>>)],
    replace_index: bool,
) -> CalendarCommit {
    let index = changes
        .iter()
        .map(|(id, change)| {
            let change = match change {
                Some(etag) => IndexChange::Upsert(etag.map(|e| Etag(e.to_string()))),
                None => IndexChange::Remove,
            };
            (RemoteId(id.to_string()), change)
        })
        .collect();
    CalendarCommit {
        calendar: calendar_id(calendar),
        state: sync_state(token, changes.len()),
        index,
        replace_index,
    }
}

pub(crate) fn origin(calendar: &str, uid: &str) -> OriginKey {
    OriginKey {
        calendar: calendar_id(calendar),
        uid: uid.to_string(),
    }
}

/// A small shadow: one master, held on `origin_calendar` and `copies`.
pub(crate) fn shadow(origin_calendar: &str, uid: &str, summary: &str, copies: &[&str]) -> Shadow {
    let start = NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let base = Event {
        uid: uid.to_string(),
        master: Some(Component {
            summary: Some(summary.to_string()),
            start: Some(EventTime::Utc { at: start }),
            end: Some(EventTime::Utc {
                at: start + chrono::TimeDelta::hours(1),
            }),
            ..Component::default()
        }),
        overrides: BTreeMap::new(),
        origin: None,
        owner_link: None,
        timezones: vec![],
    };
    sides_for(origin(origin_calendar, uid), base, copies, false)
}

fn sides_for(origin: OriginKey, base: Event, copies: &[&str], pending: bool) -> Shadow {
    let fields = field_hashes(&base);
    let hash = content_hash(&base);
    let mut holders = vec![origin.calendar.clone()];
    holders.extend(copies.iter().map(|c| calendar_id(c)));
    let sides = holders
        .into_iter()
        .map(|calendar| {
            let side = Side {
                remote_id: RemoteId(format!("/dav/{calendar}/{}.ics", origin.uid)),
                hash: hash.clone(),
                fields: fields.clone(),
                unconfirmed: None,
                unconfirmed_earlier: Vec::new(),
                in_flight: false,
                unconfirmed_at: None,
                modified_at: None,
            };
            (calendar, side)
        })
        .collect();
    Shadow {
        origin,
        base,
        sides,
        pending,
        // A pending shadow doubles as a tombstone here, so both flags round-trip as true.
        deleted: pending,
        unconfirmed_creates: BTreeMap::new(),
        unconfirmed_creates_earlier: BTreeMap::new(),
        stamps: BTreeMap::new(),
    }
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").unwrap()
}

fn person(email: &str, name: Option<&str>, partstat: &str) -> Participant {
    Participant {
        email: email.to_string(),
        name: name.map(str::to_string),
        partstat: Some(partstat.to_string()),
        role: Some("REQ-PARTICIPANT".to_string()),
    }
}

/// Everything a shadow can hold: a recurring master in a named zone, overrides (one moved,
/// one cancelled), attendees, alarms, unmodelled properties, unicode and awkward text.
pub(crate) fn rich_shadow(origin_calendar: &str, tenant: &TenantId) -> Shadow {
    let uid = "urn:uuid:5f1c-Ünïcødé:東京@example.org";
    let zoned = |text: &str| EventTime::Zoned {
        local: local(text),
        tzid: "Europe/Berlin".to_string(),
    };
    let moved_id = zoned("20260309T090000");
    let cancelled_id = zoned("20260316T090000");
    let master = Component {
        summary: Some("Réunion d'équipe 🗓️ \"weekly\"".to_string()),
        description: Some("Line one\nLine two; with, commas\\ and a tab\t.\r\n".to_string()),
        location: Some("Raum 4.12 – Gebäude B".to_string()),
        start: Some(zoned("20260302T090000")),
        end: Some(zoned("20260302T100000")),
        transparency: Transparency::Opaque,
        status: Some(EventStatus::Confirmed),
        class: Some("X-INTERNAL".to_string()),
        organizer: Some(person("boss@example.org", Some("Zoë Boss"), "ACCEPTED")),
        attendees: vec![
            person("alice@example.org", Some("Alice"), "ACCEPTED"),
            person("bob@example.org", None, "NEEDS-ACTION"),
        ],
        recurrence: Recurrence {
            rrule: Some("FREQ=WEEKLY;COUNT=10;BYDAY=MO".to_string()),
            rdates: vec![EventTime::Date {
                date: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            }],
            exdates: vec![zoned("20260323T090000")],
        },
        last_modified: Some(Utc.timestamp_opt(1_767_000_000, 0).unwrap()),
        dtstamp: Some(Utc.timestamp_opt(1_767_000_001, 0).unwrap()),
        sequence: 3,
        alarms: vec!["BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM".to_string()],
        extra: vec![
            "CATEGORIES:Work,Équipe".to_string(),
            "X-FOO;LANG=de:bär".to_string(),
        ],
        ..Component::default()
    };
    let moved = Component {
        recurrence_id: Some(moved_id.clone()),
        summary: Some("Réunion (déplacée)".to_string()),
        start: Some(zoned("20260310T140000")),
        end: Some(EventTime::Floating {
            local: local("20260310T150000"),
        }),
        ..Component::default()
    };
    let cancelled = Component {
        recurrence_id: Some(cancelled_id.clone()),
        status: Some(EventStatus::Cancelled),
        transparency: Transparency::Transparent,
        ..Component::default()
    };
    let base = Event {
        uid: uid.to_string(),
        master: Some(master),
        overrides: [
            (RecurrenceKey::of(&moved_id), moved),
            (RecurrenceKey::of(&cancelled_id), cancelled),
        ]
        .into(),
        origin: Some(OriginTag::new(tenant.clone(), origin(origin_calendar, uid))),
        owner_link: Some(link_id("l-owner")),
        timezones: vec!["BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE".to_string()],
    };
    let mut shadow = sides_for(origin(origin_calendar, uid), base, &["cother"], true);
    // A side that missed an update: its hashes differ from the base's.
    if let Some(side) = shadow.sides.get_mut(&calendar_id("cother")) {
        side.hash = crate::domain::ContentHash("0".repeat(64));
        side.fields.retain(|key, _| key.to_string() != "summary");
    }
    shadow
}

pub(crate) fn synced(origin_calendar: &str, uid: &str, etag: Option<&str>) -> ItemBinding {
    ItemBinding {
        etag: etag.map(|e| Etag(e.to_string())),
        status: ItemStatus::Synced {
            origin: origin(origin_calendar, uid),
        },
    }
}

pub(crate) fn ignored(reason: IgnoreReason, etag: &str) -> ItemBinding {
    ItemBinding {
        etag: Some(Etag(etag.to_string())),
        status: ItemStatus::Ignored {
            reason,
            origin: None,
        },
    }
}

pub(crate) fn item(calendar: &str, remote_id: &str) -> ItemRef {
    ItemRef::new(calendar_id(calendar), RemoteId(remote_id.to_string()))
}

/// A tenant with account a1, calendars c1 and c2, and link l1 between them.
pub async fn linked_pair(store: &dyn Store, label: &str) -> TenantId {
    let t = tenant(label);
    store.put_account(&t, &account("a1", "Work")).await.unwrap();
    for id in ["c1", "c2"] {
        store.put_calendar(&t, &calendar(id, "a1")).await.unwrap();
    }
    store
        .put_link(&t, &link("l1", "Pair", &["c1", "c2"]))
        .await
        .unwrap();
    t
}
