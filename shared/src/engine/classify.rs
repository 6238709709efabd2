//! Deciding what an observed item is for this link: an original, a copy of one of the link's
//! originals, or something to leave alone.

use super::{IgnoreReason, ItemBinding};
use crate::domain::{CalendarId, Event, Link, LinkId, OriginKey, TenantId};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Class {
    Original(OriginKey),
    Copy(OriginKey),
    Ignored(IgnoreReason, Option<OriginKey>),
}

pub(crate) struct Classifier<'a> {
    pub tenant: &'a TenantId,
    pub link: &'a Link,
    pub other_links: &'a BTreeSet<LinkId>,
}

impl Classifier<'_> {
    pub fn classify(
        &self,
        event: &Event,
        calendar: &CalendarId,
        prior: Option<&ItemBinding>,
    ) -> Class {
        match &event.origin {
            Some(tag) if &tag.tenant == self.tenant => {
                self.classify_copy(event, calendar, &tag.origin)
            }
            _ => {
                // Some clients drop unknown X- properties when they save. An item we bound as a
                // copy stays that copy even if its origin tag went missing.
                if let Some(origin) = prior.and_then(ItemBinding::origin)
                    && event.origin.is_none()
                    && &origin.calendar != calendar
                    && self.link.contains(&origin.calendar)
                {
                    return Class::Copy(origin.clone());
                }
                Class::Original(OriginKey {
                    calendar: calendar.clone(),
                    uid: event.uid.clone(),
                })
            }
        }
    }

    fn classify_copy(&self, event: &Event, calendar: &CalendarId, origin: &OriginKey) -> Class {
        if !self.link.contains(&origin.calendar) {
            return Class::Ignored(IgnoreReason::ForeignCopy, Some(origin.clone()));
        }
        if &origin.calendar == calendar {
            // A copy claiming to come from its own calendar: someone moved or pasted it.
            return Class::Ignored(IgnoreReason::OrphanCopy, Some(origin.clone()));
        }
        if let Some(owner) = &event.owner_link
            && owner != &self.link.id
            && self.other_links.contains(owner)
        {
            return Class::Ignored(IgnoreReason::OtherLinksCopy, Some(origin.clone()));
        }
        Class::Copy(origin.clone())
    }
}
