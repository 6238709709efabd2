//! Creating, listing, removing and resuming links.

use super::UseCaseError;
use crate::domain::{CalendarId, Link, LinkId, LinkRules, TenantId, Topology};
use crate::ports::Store;
use rand::Rng;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct NewLink {
    pub name: String,
    pub topology: Topology,
    pub calendars: Vec<CalendarId>,
    pub rules: LinkRules,
}

/// What may change on an existing link. Its calendars and topology stay: the shadows it
/// holds describe copies among exactly those calendars (make a new link to change them).
#[derive(Debug, Clone, Default)]
pub struct LinkChanges {
    pub name: Option<String>,
    pub rules: Option<LinkRules>,
}

#[derive(Clone)]
pub struct LinkService {
    pub tenant: TenantId,
    pub store: Arc<dyn Store>,
}

impl LinkService {
    pub async fn add(&self, new: NewLink) -> Result<Link, UseCaseError> {
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(UseCaseError::Invalid(
                "the link name must not be empty".into(),
            ));
        }
        if self.find(&name).await?.is_some() {
            return Err(UseCaseError::Conflict(format!(
                "a link named {name:?} already exists"
            )));
        }
        let known = self.store.list_calendars(&self.tenant).await?;
        for calendar in &new.calendars {
            if !known.iter().any(|c| &c.id == calendar) {
                return Err(UseCaseError::NotFound(format!(
                    "calendar {calendar} (see `calsync calendar list`)"
                )));
            }
        }
        let link = Link::new(new_link_id()?, name, new.topology, new.calendars, new.rules)?;
        self.store.put_link(&self.tenant, &link).await?;
        Ok(link)
    }

    pub async fn list(&self) -> Result<Vec<Link>, UseCaseError> {
        Ok(self.store.list_links(&self.tenant).await?)
    }

    pub async fn find(&self, name: &str) -> Result<Option<Link>, UseCaseError> {
        Ok(self.list().await?.into_iter().find(|l| l.name == name))
    }

    async fn require(&self, name: &str) -> Result<Link, UseCaseError> {
        self.find(name)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("link {name:?}")))
    }

    /// Renames a link or replaces its rules, checked like a new link.
    pub async fn update(&self, id: &LinkId, changes: LinkChanges) -> Result<Link, UseCaseError> {
        let current = self
            .store
            .get_link(&self.tenant, id)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("link {id}")))?;
        let name = match changes.name {
            Some(name) => name.trim().to_string(),
            None => current.name.clone(),
        };
        if name.is_empty() {
            return Err(UseCaseError::Invalid(
                "the link name must not be empty".into(),
            ));
        }
        if let Some(other) = self.find(&name).await?
            && other.id != current.id
        {
            return Err(UseCaseError::Conflict(format!(
                "a link named {name:?} already exists"
            )));
        }
        let link = Link::new(
            current.id,
            name,
            current.topology,
            current.calendars,
            changes.rules.unwrap_or(current.rules),
        )?;
        self.store.put_link(&self.tenant, &link).await?;
        Ok(link)
    }

    /// Removes the link and what it remembers. Copies already made stay where they are.
    pub async fn remove(&self, name: &str) -> Result<(), UseCaseError> {
        let link = self.require(name).await?;
        Ok(self.store.delete_link(&self.tenant, &link.id).await?)
    }

    /// Clears a halt. With `allow_deletes`, the next pass may exceed the deletion guard once.
    pub async fn resume(&self, name: &str, allow_deletes: bool) -> Result<(), UseCaseError> {
        let link = self.require(name).await?;
        let current = self
            .store
            .load_link_state(&self.tenant, &link.id)
            .await?
            .status;
        let mut status = current.clone();
        status.halted = None;
        status.allow_mass_delete_once = allow_deletes;
        status.version = current.version + 1;
        self.store
            .put_link_status(&self.tenant, &link.id, current.version, &status)
            .await?;
        Ok(())
    }
}

fn new_link_id() -> Result<LinkId, UseCaseError> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    Ok(LinkId::parse(format!("l{suffix}"))?)
}
