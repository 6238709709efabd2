//! Links: which calendars are kept in sync, in which shape, and under which rules.

use super::{CalendarId, LinkId};
use chrono::{DateTime, TimeDelta, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Links larger than this are refused: a 64-calendar mesh already makes 63 copies per event.
pub const MAX_CALENDARS_PER_LINK: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("a pair links exactly 2 calendars, got {0}")]
    PairNeedsTwo(usize),
    #[error("a {0} link needs at least 2 calendars")]
    TooFew(&'static str),
    #[error("a link holds at most {MAX_CALENDARS_PER_LINK} calendars, got {0}")]
    TooMany(usize),
    #[error("calendar {0} is listed twice")]
    Duplicate(CalendarId),
    #[error("a star needs --hub, one of its calendars")]
    HubMissing,
    #[error("the hub {0} is not one of the link's calendars")]
    HubNotMember(CalendarId),
    #[error("--one-way applies to pair and star links only")]
    OneWayMesh,
    #[error("privacy rule for {0}, which is not in the link")]
    PrivacyNotMember(CalendarId),
    #[error("invalid title pattern {pattern:?}: {reason}")]
    BadPattern { pattern: String, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Topology {
    /// Two calendars, both ways (or first -> second with `one_way`).
    Pair,
    /// The hub and each spoke, both ways. With `relay_spokes`, a spoke's events also reach
    /// the other spokes (as if through the hub); without, they stop at the hub.
    Star { hub: CalendarId, relay_spokes: bool },
    /// Every calendar with every other.
    Mesh,
}

/// What a copy reveals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Everything, including alarms and unmodelled properties. Such copies are two-way.
    Full,
    /// Time, all-day flag and busy/free only, under a neutral title. A read-only mirror.
    Busy,
    /// Title and time only. A read-only mirror.
    Title,
}

/// A title regular expression, compiled once when the link is read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TitlePattern(Regex);

impl TitlePattern {
    pub fn parse(pattern: &str) -> Result<Self, LinkError> {
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map(Self)
            .map_err(|e| LinkError::BadPattern {
                pattern: pattern.to_string(),
                reason: e.to_string(),
            })
    }
    pub fn is_match(&self, title: &str) -> bool {
        self.0.is_match(title)
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for TitlePattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for TitlePattern {}

impl TryFrom<String> for TitlePattern {
    type Error = LinkError;
    fn try_from(value: String) -> Result<Self, LinkError> {
        Self::parse(&value)
    }
}
impl From<TitlePattern> for String {
    fn from(p: TitlePattern) -> String {
        p.as_str().to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Filters {
    pub skip_all_day: bool,
    /// Skip events marked free (TRANSP:TRANSPARENT).
    pub skip_free: bool,
    /// Skip events the calendar's owner declined.
    pub skip_declined: bool,
    /// Only titles matching this are copied.
    pub include_title: Option<TitlePattern>,
    /// Titles matching this are not copied.
    pub exclude_title: Option<TitlePattern>,
}

/// Rolling window of what gets copied. Leaving the window is never a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncWindow {
    pub past_days: u32,
    pub future_days: u32,
}

impl Default for SyncWindow {
    fn default() -> Self {
        Self {
            past_days: 30,
            future_days: 180,
        }
    }
}

impl SyncWindow {
    pub fn bounds(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            now - TimeDelta::days(i64::from(self.past_days)),
            now + TimeDelta::days(i64::from(self.future_days)),
        )
    }
}

/// Stops a link instead of deleting when a pass looks like data loss rather than intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionGuard {
    /// Trip when a pass would delete more than this share of a calendar's synced events...
    pub max_percent: u8,
    /// ...and more than this many of them.
    pub min_count: u32,
    /// Trip when a calendar that held at least 2 synced events suddenly lists none.
    pub guard_emptied: bool,
}

impl Default for DeletionGuard {
    fn default() -> Self {
        Self {
            max_percent: 50,
            min_count: 10,
            guard_emptied: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRules {
    /// Privacy of copies, unless `privacy_by_target` says otherwise for a target calendar.
    pub privacy: Privacy,
    #[serde(default)]
    pub privacy_by_target: BTreeMap<CalendarId, Privacy>,
    /// Pair: first -> second only. Star: hub -> spokes only.
    #[serde(default)]
    pub one_way: bool,
    #[serde(default)]
    pub filters: Filters,
    #[serde(default)]
    pub window: SyncWindow,
    #[serde(default)]
    pub deletion_guard: DeletionGuard,
    /// Title of `busy` copies.
    #[serde(default = "default_busy_title")]
    pub busy_title: String,
}

fn default_busy_title() -> String {
    "Busy".to_string()
}

impl Default for LinkRules {
    fn default() -> Self {
        Self {
            privacy: Privacy::Full,
            privacy_by_target: BTreeMap::new(),
            one_way: false,
            filters: Filters::default(),
            window: SyncWindow::default(),
            deletion_guard: DeletionGuard::default(),
            busy_title: default_busy_title(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub id: LinkId,
    pub name: String,
    pub topology: Topology,
    /// Every calendar of the link, hub included, in the order the user gave them.
    pub calendars: Vec<CalendarId>,
    pub rules: LinkRules,
}

impl Link {
    pub fn new(
        id: LinkId,
        name: String,
        topology: Topology,
        calendars: Vec<CalendarId>,
        rules: LinkRules,
    ) -> Result<Self, LinkError> {
        for (i, calendar) in calendars.iter().enumerate() {
            if calendars[..i].contains(calendar) {
                return Err(LinkError::Duplicate(calendar.clone()));
            }
        }
        if calendars.len() > MAX_CALENDARS_PER_LINK {
            return Err(LinkError::TooMany(calendars.len()));
        }
        match &topology {
            Topology::Pair if calendars.len() != 2 => {
                return Err(LinkError::PairNeedsTwo(calendars.len()));
            }
            Topology::Star { hub, .. } => {
                if calendars.len() < 2 {
                    return Err(LinkError::TooFew("star"));
                }
                if !calendars.contains(hub) {
                    return Err(LinkError::HubNotMember(hub.clone()));
                }
            }
            Topology::Mesh => {
                if calendars.len() < 2 {
                    return Err(LinkError::TooFew("mesh"));
                }
                if rules.one_way {
                    return Err(LinkError::OneWayMesh);
                }
            }
            Topology::Pair => {}
        }
        if let Some(stranger) = rules
            .privacy_by_target
            .keys()
            .find(|target| !calendars.contains(target))
        {
            return Err(LinkError::PrivacyNotMember(stranger.clone()));
        }
        Ok(Self {
            id,
            name,
            topology,
            calendars,
            rules,
        })
    }

    pub fn contains(&self, calendar: &CalendarId) -> bool {
        self.calendars.contains(calendar)
    }

    /// Whether originals on `from` are copied to `to`.
    pub fn copies(&self, from: &CalendarId, to: &CalendarId) -> bool {
        if from == to || !self.contains(from) || !self.contains(to) {
            return false;
        }
        match &self.topology {
            Topology::Pair => !self.rules.one_way || self.calendars.first() == Some(from),
            Topology::Mesh => true,
            Topology::Star { hub, relay_spokes } => {
                if from == hub {
                    true
                } else if self.rules.one_way {
                    false
                } else {
                    to == hub || *relay_spokes
                }
            }
        }
    }

    /// Calendars that receive copies of originals found on `from`.
    pub fn targets_of<'a>(&'a self, from: &'a CalendarId) -> impl Iterator<Item = &'a CalendarId> {
        self.calendars
            .iter()
            .filter(move |to| self.copies(from, to))
    }

    pub fn privacy_for(&self, target: &CalendarId) -> Privacy {
        self.rules
            .privacy_by_target
            .get(target)
            .copied()
            .unwrap_or(self.rules.privacy)
    }

    /// A copy on `target` of an original on `origin` is two-way (its edits and deletion flow
    /// back) when it is a full copy and the link also copies from `target` to `origin`.
    /// Every other copy is a mirror: edits to it are reverted, a deleted mirror is recreated.
    pub fn is_two_way_copy(&self, origin: &CalendarId, target: &CalendarId) -> bool {
        self.privacy_for(target) == Privacy::Full && self.copies(target, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(s: &str) -> CalendarId {
        CalendarId::parse(s).unwrap()
    }

    fn link(topology: Topology, calendars: &[&str], rules: LinkRules) -> Result<Link, LinkError> {
        Link::new(
            LinkId::parse("l1").unwrap(),
            "test".into(),
            topology,
            calendars.iter().map(|c| cal(c)).collect(),
            rules,
        )
    }

    #[test]
    fn pair_copies_both_ways_unless_one_way() {
        let two_way = link(Topology::Pair, &["a", "b"], LinkRules::default()).unwrap();
        assert!(two_way.copies(&cal("a"), &cal("b")) && two_way.copies(&cal("b"), &cal("a")));
        assert!(two_way.is_two_way_copy(&cal("a"), &cal("b")));
        let rules = LinkRules {
            one_way: true,
            ..LinkRules::default()
        };
        let one_way = link(Topology::Pair, &["a", "b"], rules).unwrap();
        assert!(one_way.copies(&cal("a"), &cal("b")));
        assert!(!one_way.copies(&cal("b"), &cal("a")));
        assert!(!one_way.is_two_way_copy(&cal("a"), &cal("b")));
    }

    #[test]
    fn star_spokes_reach_each_other_only_when_relayed() {
        let plain = Topology::Star {
            hub: cal("h"),
            relay_spokes: false,
        };
        let star = link(plain, &["h", "s1", "s2"], LinkRules::default()).unwrap();
        assert_eq!(star.targets_of(&cal("h")).count(), 2);
        assert_eq!(
            star.targets_of(&cal("s1")).collect::<Vec<_>>(),
            vec![&cal("h")]
        );
        let relayed = Topology::Star {
            hub: cal("h"),
            relay_spokes: true,
        };
        let star = link(relayed, &["h", "s1", "s2"], LinkRules::default()).unwrap();
        assert_eq!(star.targets_of(&cal("s1")).count(), 2);
    }

    #[test]
    fn mesh_of_twenty_copies_everywhere() {
        let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mesh = link(Topology::Mesh, &refs, LinkRules::default()).unwrap();
        assert_eq!(mesh.targets_of(&cal("c7")).count(), 19);
    }

    #[test]
    fn busy_copies_are_mirrors() {
        let rules = LinkRules {
            privacy_by_target: [(cal("b"), Privacy::Busy)].into(),
            ..LinkRules::default()
        };
        let pair = link(Topology::Pair, &["a", "b"], rules).unwrap();
        assert!(!pair.is_two_way_copy(&cal("a"), &cal("b")));
        assert!(pair.is_two_way_copy(&cal("b"), &cal("a")));
    }

    #[test]
    fn invalid_shapes_are_refused() {
        assert_eq!(
            link(Topology::Pair, &["a"], LinkRules::default()),
            Err(LinkError::PairNeedsTwo(1))
        );
        assert_eq!(
            link(Topology::Mesh, &["a", "a"], LinkRules::default()),
            Err(LinkError::Duplicate(cal("a")))
        );
        let star = Topology::Star {
            hub: cal("x"),
            relay_spokes: false,
        };
        assert_eq!(
            link(star, &["a", "b"], LinkRules::default()),
            Err(LinkError::HubNotMember(cal("x")))
        );
        assert!(TitlePattern::parse("(unclosed").is_err());
    }
}
