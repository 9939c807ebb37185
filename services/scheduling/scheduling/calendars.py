"""Sessions as iCalendar: the pure building lives in `shared.calendars` (notifications attaches the
same entries to its emails); scheduling serves them as files and subscription feeds."""

from __future__ import annotations

from shared.calendars import PRODID, REFRESH, Attendee, CalendarEntry, calendar_uid, render_calendar

__all__ = ["PRODID", "REFRESH", "Attendee", "CalendarEntry", "calendar_uid", "render_calendar"]
