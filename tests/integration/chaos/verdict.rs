//! The convergence check: the same logical events everywhere, one item each, every field at
//! a value the model admits, nothing deleted coming back unless an edit raced the delete.

use super::model::{Field, Logical, Model, Value, series_view};
use super::observe::Holding;
use super::projection::Projection;

#[derive(Debug, Default)]
pub struct Verdict {
    pub problems: Vec<String>,
    /// Logical events every calendar holds.
    pub events: usize,
    /// Deleted while another calendar's edit was in flight, and kept (edit beats delete).
    pub kept_after_delete: usize,
}

impl Verdict {
    pub fn converged(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first problems, one per line, for a failure message.
    pub fn diff(&self, limit: usize) -> String {
        let mut lines: Vec<String> = self.problems.iter().take(limit).cloned().collect();
        if self.problems.len() > limit {
            lines.push(format!("... and {} more", self.problems.len() - limit));
        }
        lines.join("\n")
    }
}

fn field_value(projection: &Projection, field: Field) -> String {
    match field {
        Field::Title => format!("{:?}", projection.title),
        Field::Description => format!("{:?}", projection.description),
        Field::Location => format!("{:?}", projection.location),
        Field::Time => format!("{:?}", projection.time),
    }
}

pub(super) fn admits(value: &Value, projection: &Projection, field: Field) -> bool {
    match (field, value) {
        (Field::Title, Value::Text(t)) => projection.title == *t,
        (Field::Description, Value::Text(t)) => projection.description == *t,
        (Field::Location, Value::Text(t)) => projection.location == *t,
        (Field::Time, Value::Time(when)) => projection.time.as_ref() == Some(&when.view()),
        _ => false,
    }
}

/// Every field of `projection` against what the model admits for `event`.
fn check_fields(
    event: &Logical,
    labels: &[String],
    label: &str,
    projection: &Projection,
    problems: &mut Vec<String>,
) {
    for field in Field::ALL {
        let admissible = event.admissible(field);
        if !admissible.iter().any(|v| admits(v, projection, field)) {
            problems.push(format!(
                "lost edit: [{}] {field:?} on {label} is {}, the model admits {admissible:?}{}",
                event.tag,
                field_value(projection, field),
                history(event, labels)
            ));
        }
    }
    let expected_series = event.series.map(series_view);
    if projection.series != expected_series {
        problems.push(format!(
            "series: [{}] on {label} is {:?}, expected {expected_series:?}",
            event.tag, projection.series
        ));
    }
}

/// `+1.234s google#3 Title := ...` lines, times from the event's creation.
fn history(event: &Logical, labels: &[String]) -> String {
    let born = event.history[0].at;
    event
        .history
        .iter()
        .map(|step| {
            let offset = (step.at - born).num_milliseconds() as f64 / 1000.0;
            format!(
                "\n      +{offset:.3}s {} {}",
                labels[step.calendar], step.what
            )
        })
        .collect()
}

pub fn judge(model: &Model, holdings: &[Holding], labels: &[String]) -> Verdict {
    let mut verdict = Verdict::default();
    let problems = &mut verdict.problems;
    for (held, label) in holdings.iter().zip(labels) {
        for stray in &held.strays {
            problems.push(format!("stray on {label}: {stray}"));
        }
        for (tag, items) in &held.items {
            if items.len() > 1 {
                problems.push(format!(
                    "duplicate: [{tag}] {} times on {label}",
                    items.len()
                ));
            }
            if model.get(tag).is_none() {
                problems.push(format!("unknown: [{tag}] on {label}"));
            }
        }
    }
    for event in &model.events {
        let present: Vec<(usize, &Projection)> = holdings
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                h.items
                    .get(&event.tag)
                    .and_then(|v| v.first())
                    .map(|p| (i, p))
            })
            .collect();
        let names = |list: &[(usize, &Projection)]| {
            list.iter()
                .map(|(i, _)| labels[*i].clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &event.deleted {
            Some(deletion) if !deletion.contested && !present.is_empty() => {
                problems.push(format!(
                    "resurrected: [{}] deleted on {} is still on {}{}",
                    event.tag,
                    labels[deletion.calendar],
                    names(&present),
                    history(event, labels)
                ));
                continue;
            }
            Some(_) if present.is_empty() => continue,
            _ if present.len() < holdings.len() => {
                let verb = if event.deleted.is_some() {
                    "half deleted"
                } else {
                    "missing"
                };
                problems.push(format!(
                    "{verb}: [{}] is only on {}{}",
                    event.tag,
                    names(&present),
                    history(event, labels)
                ));
                continue;
            }
            Some(_) => verdict.kept_after_delete += 1,
            None => {}
        }
        verdict.events += 1;
        let (first, reference) = present[0];
        for (i, projection) in &present[1..] {
            if *projection != reference {
                problems.push(format!(
                    "diverged: [{}]\n    {}: {reference}\n    {}: {projection}{}",
                    event.tag,
                    labels[first],
                    labels[*i],
                    history(event, labels)
                ));
            }
        }
        check_fields(event, labels, &labels[first], reference, problems);
    }
    verdict
}
