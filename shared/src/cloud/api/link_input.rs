//! Link requests: what `calsync link add` takes on the command line, as JSON.

use super::error::ApiError;
use crate::domain::{CalendarId, LinkRules, Privacy, SyncWindow, TitlePattern, Topology};
use crate::usecases::{LinkChanges, NewLink};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyKind {
    Pair,
    Star,
    Mesh,
}

/// `POST /api/links`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateLinkRequest {
    pub name: String,
    pub topology: TopologyKind,
    pub calendars: Vec<CalendarId>,
    /// Star only: one of `calendars`.
    pub hub: Option<CalendarId>,
    /// Star only: a spoke's events also reach the other spokes.
    #[serde(default)]
    pub relay_spokes: bool,
    #[serde(default)]
    pub rules: RulesInput,
}

/// `PATCH /api/links/{id}`: what is present changes, the rest stays.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateLinkRequest {
    pub name: Option<String>,
    pub rules: Option<RulesInput>,
}

/// The rules of a link; on creation absent fields take the CLI's defaults, on update they
/// keep their current value. An empty title pattern removes the filter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    pub privacy: Option<Privacy>,
    /// Privacy per target calendar (`--privacy-to ID=...`); replaces the whole map.
    pub privacy_to: Option<BTreeMap<CalendarId, Privacy>>,
    pub one_way: Option<bool>,
    pub skip_all_day: Option<bool>,
    pub skip_free: Option<bool>,
    pub skip_declined: Option<bool>,
    pub include_title: Option<String>,
    pub exclude_title: Option<String>,
    pub past_days: Option<u32>,
    pub future_days: Option<u32>,
}

/// Windows longer than this are refused: every pass reads the whole window.
const MAX_WINDOW_DAYS: u32 = 3660;

impl RulesInput {
    pub fn apply(self, mut rules: LinkRules) -> Result<LinkRules, ApiError> {
        let pattern = |text: String| -> Result<Option<TitlePattern>, ApiError> {
            if text.is_empty() {
                return Ok(None);
            }
            TitlePattern::parse(&text)
                .map(Some)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))
        };
        if let Some(privacy) = self.privacy {
            rules.privacy = privacy;
        }
        if let Some(by_target) = self.privacy_to {
            rules.privacy_by_target = by_target;
        }
        if let Some(one_way) = self.one_way {
            rules.one_way = one_way;
        }
        let filters = &mut rules.filters;
        if let Some(skip) = self.skip_all_day {
            filters.skip_all_day = skip;
        }
        if let Some(skip) = self.skip_free {
            filters.skip_free = skip;
        }
        if let Some(skip) = self.skip_declined {
            filters.skip_declined = skip;
        }
        if let Some(text) = self.include_title {
            filters.include_title = pattern(text)?;
        }
        if let Some(text) = self.exclude_title {
            filters.exclude_title = pattern(text)?;
        }
        let window = SyncWindow {
            past_days: self.past_days.unwrap_or(rules.window.past_days),
            future_days: self.future_days.unwrap_or(rules.window.future_days),
        };
        if window.past_days > MAX_WINDOW_DAYS || window.future_days > MAX_WINDOW_DAYS {
            return Err(ApiError::Unprocessable(format!(
                "the sync window is limited to {MAX_WINDOW_DAYS} days each way"
            )));
        }
        rules.window = window;
        Ok(rules)
    }
}

impl CreateLinkRequest {
    pub fn into_new_link(self) -> Result<NewLink, ApiError> {
        let topology = match (self.topology, self.hub) {
            (TopologyKind::Pair, None) => Topology::Pair,
            (TopologyKind::Mesh, None) => Topology::Mesh,
            (TopologyKind::Star, Some(hub)) => Topology::Star {
                hub,
                relay_spokes: self.relay_spokes,
            },
            (TopologyKind::Star, None) => {
                return Err(ApiError::Unprocessable("a star needs a hub".into()));
            }
            (_, Some(_)) => {
                return Err(ApiError::Unprocessable("only a star link has a hub".into()));
            }
        };
        Ok(NewLink {
            name: self.name,
            topology,
            calendars: self.calendars,
            rules: self.rules.apply(LinkRules::default())?,
        })
    }
}

impl UpdateLinkRequest {
    pub fn into_changes(self, current: &LinkRules) -> Result<LinkChanges, ApiError> {
        Ok(LinkChanges {
            name: self.name,
            rules: self.rules.map(|r| r.apply(current.clone())).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> Result<NewLink, ApiError> {
        serde_json::from_str::<CreateLinkRequest>(json)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?
            .into_new_link()
    }

    #[test]
    fn a_link_request_carries_the_rules_of_the_cli() {
        let new = create(
            r#"{"name": "guard", "topology": "pair", "calendars": ["cwork", "chome"],
                "rules": {"privacy_to": {"chome": "busy"}, "skip_all_day": true,
                          "exclude_title": "^Private", "past_days": 7}}"#,
        )
        .unwrap();
        assert_eq!(new.topology, Topology::Pair);
        let rules = &new.rules;
        assert_eq!(rules.privacy, Privacy::Full);
        assert_eq!(
            rules
                .privacy_by_target
                .get(&CalendarId::parse("chome").unwrap()),
            Some(&Privacy::Busy)
        );
        assert!(rules.filters.skip_all_day);
        assert_eq!(
            rules.filters.exclude_title.as_ref().unwrap().as_str(),
            "^Private"
        );
        assert_eq!(rules.window.past_days, 7);
        assert_eq!(rules.window.future_days, 180);
    }

    #[test]
    fn stars_need_a_hub_and_only_stars_have_one() {
        let star = create(
            r#"{"name": "s", "topology": "star", "hub": "ca", "calendars": ["ca", "cb"],
                "relay_spokes": true}"#,
        )
        .unwrap();
        assert!(matches!(
            star.topology,
            Topology::Star {
                relay_spokes: true,
                ..
            }
        ));
        for bad in [
            r#"{"name": "s", "topology": "star", "calendars": ["ca", "cb"]}"#,
            r#"{"name": "p", "topology": "pair", "hub": "ca", "calendars": ["ca", "cb"]}"#,
            r#"{"name": "p", "topology": "pair", "calendars": ["ca", "cb"], "rules": {"include_title": "("}}"#,
            r#"{"name": "p", "topology": "pair", "calendars": ["ca", "cb"], "rules": {"future_days": 99999}}"#,
        ] {
            assert!(
                matches!(create(bad), Err(ApiError::Unprocessable(_))),
                "{bad}"
            );
        }
        let unknown_field =
            create(r#"{"name": "p", "topology": "pair", "calendars": [], "color": 1}"#);
        assert!(matches!(unknown_field, Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn an_update_keeps_what_it_does_not_mention_and_clears_empty_patterns() {
        let mut current = LinkRules::default();
        current.filters.include_title = Some(TitlePattern::parse("Team").unwrap());
        current.filters.skip_free = true;
        let update: UpdateLinkRequest =
            serde_json::from_str(r#"{"rules": {"include_title": "", "privacy": "title"}}"#)
                .unwrap();
        let changes = update.into_changes(&current).unwrap();
        let rules = changes.rules.unwrap();
        assert_eq!(rules.privacy, Privacy::Title);
        assert!(rules.filters.include_title.is_none());
        assert!(rules.filters.skip_free);
        assert!(changes.name.is_none());
    }
}
