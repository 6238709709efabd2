#!/usr/bin/env python3
"""An independent CalDAV client (python-caldav 3.6) for calsync's tests.

Tests use it to change a calendar "behind calsync's back", the way another user's phone or
desktop client would. Every subcommand takes the calendar collection's URL and credentials and
prints JSON on stdout, except `get`, which prints the stored iCalendar text as it is.

  pyclient.py create --url URL --user U --password P --uid UID --summary S \\
      --start 2026-01-05T09:00:00Z --end 2026-01-05T10:00:00Z [--tz Europe/Berlin] [--allday] \\
      [--rrule 'FREQ=WEEKLY;COUNT=5']
  pyclient.py edit   ... --uid UID [--summary S] [--location L] [--description D]
      [--start ISO --end ISO] [--last-modified ISO]
  pyclient.py delete ... --uid UID
  pyclient.py get    ... --uid UID
  pyclient.py list   ...
"""

import argparse
import json
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import caldav
import icalendar


def parse_when(text, tz=None, all_day=False, like=None):
    """An ISO date or date-time. A date-time without an offset takes `tz`, else the zone of
    `like` (the value it replaces), else UTC."""
    if all_day or (like is not None and not isinstance(like, datetime) and len(text) == 10):
        return date.fromisoformat(text[:10])
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        if tz:
            value = value.replace(tzinfo=ZoneInfo(tz))
        elif isinstance(like, datetime) and like.tzinfo is not None:
            value = value.replace(tzinfo=like.tzinfo)
        else:
            value = value.replace(tzinfo=timezone.utc)
    return value


def replace(component, name, value):
    component.pop(name, None)
    component.add(name, value)


def written(obj, uid):
    return {"uid": uid, "href": str(obj.url), "etag": obj.etag}


def cmd_create(calendar, args):
    cal = icalendar.Calendar()
    cal.add("prodid", "-//calsync tests//pyclient//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    event.add("uid", args.uid)
    event.add("dtstamp", now)
    event.add("summary", args.summary)
    event.add("dtstart", parse_when(args.start, args.tz, args.allday))
    event.add("dtend", parse_when(args.end, args.tz, args.allday))
    if args.rrule:
        event.add("rrule", icalendar.vRecur.from_ical(args.rrule))
    cal.add_component(event)
    if args.tz and not args.allday:
        cal.add_missing_timezones()
    obj = calendar.add_event(cal.to_ical().decode())
    return written(obj, args.uid)


def cmd_edit(calendar, args):
    obj = calendar.get_event_by_uid(args.uid)
    # The caller's LAST-MODIFIED lets a test order edits on different sides deterministically;
    # DTSTAMP follows it because it is the fallback when LAST-MODIFIED is missing.
    stamp = (
        parse_when(args.last_modified)
        if args.last_modified
        else datetime.now(timezone.utc).replace(microsecond=0)
    )
    with obj.edit_icalendar_component() as event:
        for name, value in (
            ("summary", args.summary),
            ("location", args.location),
            ("description", args.description),
        ):
            if value is not None:
                replace(event, name, value)
        if args.start is not None:
            old_start = event.decoded("dtstart")
            old_end = event.decoded("dtend") if "dtend" in event else None
            replace(event, "dtstart", parse_when(args.start, like=old_start))
            replace(event, "dtend", parse_when(args.end, like=old_end or old_start))
            event.pop("duration", None)
        replace(event, "last-modified", stamp.astimezone(timezone.utc))
        replace(event, "dtstamp", stamp.astimezone(timezone.utc))
    obj.save()
    return written(obj, args.uid)


def cmd_delete(calendar, args):
    obj = calendar.get_event_by_uid(args.uid)
    href = str(obj.url)
    obj.delete()
    return {"uid": args.uid, "href": href, "deleted": True}


def cmd_get(calendar, args):
    obj = calendar.get_event_by_uid(args.uid)
    obj.load()
    sys.stdout.write(obj.data)
    return None


def cmd_list(calendar, _args):
    events = []
    for obj in calendar.events():
        uid = str(obj.icalendar_component.get("uid", ""))
        events.append({"uid": uid, "href": str(obj.url), "etag": obj.etag})
    return sorted(events, key=lambda e: e["uid"])


def main():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", required=True, help="the calendar collection's URL")
    common.add_argument("--user", required=True)
    common.add_argument("--password", required=True)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", parents=[common])
    create.add_argument("--uid", required=True)
    create.add_argument("--summary", required=True)
    create.add_argument("--start", required=True)
    create.add_argument("--end", required=True)
    create.add_argument("--tz")
    create.add_argument("--allday", action="store_true")
    create.add_argument("--rrule")

    edit = commands.add_parser("edit", parents=[common])
    edit.add_argument("--uid", required=True)
    edit.add_argument("--summary")
    edit.add_argument("--location")
    edit.add_argument("--description")
    edit.add_argument("--start")
    edit.add_argument("--end")
    edit.add_argument("--last-modified")

    for name in ("delete", "get"):
        commands.add_parser(name, parents=[common]).add_argument("--uid", required=True)
    commands.add_parser("list", parents=[common])

    args = parser.parse_args()
    if args.command == "edit" and (args.start is None) != (args.end is None):
        parser.error("edit: --start and --end go together")

    client = caldav.DAVClient(url=args.url, username=args.user, password=args.password)
    calendar = client.calendar(url=args.url)
    result = globals()["cmd_" + args.command](calendar, args)
    if result is not None:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
