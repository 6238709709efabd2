//! An independent real CalDAV client (python-caldav, `scripts/pyclient.py`) that edits a
//! calendar behind calsync's back, the way someone's phone would.

use serde::Deserialize;
use tokio::process::Command;

use crate::calendar::TestCalendar;

/// Runs `$CALSYNC_TEST_PYTHON $CALSYNC_TEST_PYCLIENT <subcommand>` against a [`TestCalendar`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PyClient;

/// What the client wrote: the resource it chose (python-caldav names it `<UID>.ics`) and the
/// ETag the server answered, when it sent one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PyWritten {
    pub uid: String,
    pub href: String,
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PyListed {
    pub uid: String,
    pub href: String,
    pub etag: Option<String>,
}

/// A new event. Times are ISO 8601 (`2026-01-05T09:00:00Z`, or without offset plus
/// [`PyEvent::tz`], or dates with [`PyEvent::all_day`]).
#[derive(Debug, Clone, Default)]
pub struct PyEvent {
    pub uid: String,
    pub summary: String,
    pub start: String,
    pub end: String,
    pub tz: Option<String>,
    pub all_day: bool,
    pub rrule: Option<String>,
}

impl PyEvent {
    pub fn new(uid: &str, summary: &str, start: &str, end: &str) -> PyEvent {
        PyEvent {
            uid: uid.into(),
            summary: summary.into(),
            start: start.into(),
            end: end.into(),
            ..PyEvent::default()
        }
    }

    pub fn tz(mut self, tzid: &str) -> PyEvent {
        self.tz = Some(tzid.into());
        self
    }

    pub fn all_day(mut self) -> PyEvent {
        self.all_day = true;
        self
    }

    pub fn rrule(mut self, rrule: &str) -> PyEvent {
        self.rrule = Some(rrule.into());
        self
    }
}

/// Changes to an existing event; unset fields stay as they are. LAST-MODIFIED (and DTSTAMP)
/// become `last_modified` when given, else the current time, so a test can order edits made
/// on different sides.
#[derive(Debug, Clone, Default)]
pub struct PyEdit {
    pub summary: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// New (start, end), ISO 8601; without an offset they keep the event's time zone.
    pub times: Option<(String, String)>,
    pub last_modified: Option<String>,
}

impl PyClient {
    pub async fn create(&self, calendar: &TestCalendar, event: &PyEvent) -> PyWritten {
        let mut args = vec![
            "create",
            "--uid",
            &event.uid,
            "--summary",
            &event.summary,
            "--start",
            &event.start,
            "--end",
            &event.end,
        ];
        if let Some(tz) = &event.tz {
            args.extend(["--tz", tz]);
        }
        if event.all_day {
            args.push("--allday");
        }
        if let Some(rrule) = &event.rrule {
            args.extend(["--rrule", rrule]);
        }
        parse_json(&self.run(calendar, &args).await)
    }

    pub async fn edit(&self, calendar: &TestCalendar, uid: &str, edit: &PyEdit) -> PyWritten {
        let mut args = vec!["edit", "--uid", uid];
        let options = [
            ("--summary", &edit.summary),
            ("--location", &edit.location),
            ("--description", &edit.description),
            ("--last-modified", &edit.last_modified),
        ];
        for (flag, value) in options {
            if let Some(value) = value {
                args.extend([flag, value.as_str()]);
            }
        }
        if let Some((start, end)) = &edit.times {
            args.extend(["--start", start, "--end", end]);
        }
        parse_json(&self.run(calendar, &args).await)
    }

    pub async fn delete(&self, calendar: &TestCalendar, uid: &str) {
        self.run(calendar, &["delete", "--uid", uid]).await;
    }

    /// The stored iCalendar text of the event with this UID.
    pub async fn get(&self, calendar: &TestCalendar, uid: &str) -> String {
        self.run(calendar, &["get", "--uid", uid]).await
    }

    /// Every event, sorted by UID.
    pub async fn list(&self, calendar: &TestCalendar) -> Vec<PyListed> {
        parse_json(&self.run(calendar, &["list"]).await)
    }

    async fn run(&self, calendar: &TestCalendar, args: &[&str]) -> String {
        let python = required_env("CALSYNC_TEST_PYTHON");
        let script = required_env("CALSYNC_TEST_PYCLIENT");
        let (subcommand, rest) = args.split_first().expect("a subcommand");
        let server = &calendar.server;
        let output = Command::new(&python)
            .arg(&script)
            .arg(subcommand)
            .args(["--url", &calendar.url, "--user", &server.username])
            .args(["--password", &server.password])
            .args(rest)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {python} {script}: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            panic!(
                "{}: pyclient {subcommand} on {} failed ({}):\n{}{stdout}",
                server.kind,
                calendar.url,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        stdout
    }
}

fn parse_json<T: for<'de> Deserialize<'de>>(stdout: &str) -> T {
    serde_json::from_str(stdout).unwrap_or_else(|e| {
        panic!("pyclient printed something that is not its JSON ({e}): {stdout}")
    })
}

fn required_env(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!("{name} is not set: run scripts/test.sh, which starts the servers and sets it")
        })
}
