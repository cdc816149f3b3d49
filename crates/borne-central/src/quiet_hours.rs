//! Quiet hours: messages nobody is waiting for at a kiosk (confirmations
//! of synced registrations, reminders) go out only within the town's
//! sending window, in the town's time zone. Pure functions of a time.

use anyhow::Context;
use jiff::civil::Time;
use jiff::tz::TimeZone;

use crate::db::Timestamp;

/// When messages caused by a sync or a reminder may go out: every day
/// from `start` (included) to `end` (excluded), local time.
#[derive(Debug, Clone)]
pub struct SendWindow {
    start: Time,
    end: Time,
    zone: TimeZone,
}

impl SendWindow {
    /// `hours` as `08:00-21:00` (start before end, same day; `24:00` is
    /// the end of the day, so `00:00-24:00` means no quiet hours); `zone`
    /// an IANA name such as `America/Montreal`.
    pub fn parse(hours: &str, zone: &str) -> anyhow::Result<Self> {
        let (start, end) = hours
            .split_once('-')
            .context("send hours must look like 08:00-21:00")?;
        let time = |t: &str| -> anyhow::Result<Time> {
            if t.trim() == "24:00" {
                return Ok(Time::MAX);
            }
            Time::strptime("%H:%M", t.trim())
                .with_context(|| format!("`{}` is not a time such as 08:00", t.trim()))
        };
        let (start, end) = (time(start)?, time(end)?);
        anyhow::ensure!(
            start < end,
            "send hours must start before they end, within one day"
        );
        let zone = TimeZone::get(zone.trim())
            .with_context(|| format!("`{zone}` is not a known time zone"))?;
        Ok(Self { start, end, zone })
    }

    /// The town's default: 08:00 to 21:00, America/Montreal.
    pub fn town_default() -> Self {
        Self::parse("08:00-21:00", "America/Montreal").expect("the default send window parses")
    }

    /// `now` if it is within the window, else the window's next opening.
    pub fn next_open(&self, now: Timestamp) -> Timestamp {
        let Ok(instant) = jiff::Timestamp::from_second(now) else {
            return now;
        };
        let local = instant.to_zoned_datetime(self.zone.clone());
        let time = local.time();
        if time >= self.start && time < self.end {
            return now;
        }
        let mut day = local.date();
        if time >= self.end {
            day = day.tomorrow().unwrap_or(day);
        }
        // A start that falls in a DST gap moves forward (jiff's
        // "compatible" rule): still the earliest allowed moment.
        day.to_datetime(self.start)
            .to_zoned_datetime(self.zone.clone())
            .map_or(now, |z| z.timestamp().as_second())
            .max(now)
    }

    /// The town's midnight that began the day of `now` (« today »).
    pub fn start_of_day(&self, now: Timestamp) -> Timestamp {
        let Ok(instant) = jiff::Timestamp::from_second(now) else {
            return now;
        };
        instant
            .to_zoned_datetime(self.zone.clone())
            .date()
            .to_datetime(Time::MIN)
            .to_zoned_datetime(self.zone.clone())
            .map_or(now, |z| z.timestamp().as_second())
    }

    /// `t` as the town's wall-clock time, `2026-12-04 10:15`.
    pub fn local(&self, t: Timestamp) -> String {
        jiff::Timestamp::from_second(t).map_or_else(
            |_| t.to_string(),
            |i| {
                i.to_zoned_datetime(self.zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            },
        )
    }

    /// `08:00-21:00`, as configured.
    pub fn hours(&self) -> String {
        let end = if self.end == Time::MAX {
            "24:00".to_owned()
        } else {
            self.end.strftime("%H:%M").to_string()
        };
        format!("{}-{end}", self.start.strftime("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a Montréal wall-clock time.
    fn montreal(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned_datetime(TimeZone::get("America/Montreal").unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn inside_the_window_is_now() {
        let w = SendWindow::town_default();
        for t in [
            "2026-12-03T08:00:00",
            "2026-12-03T12:30:00",
            "2026-12-03T20:59:59",
        ] {
            assert_eq!(w.next_open(montreal(t)), montreal(t), "{t}");
        }
    }

    #[test]
    fn before_opening_waits_for_8_and_after_closing_for_the_next_day() {
        let w = SendWindow::town_default();
        assert_eq!(
            w.next_open(montreal("2026-12-03T03:00:00")),
            montreal("2026-12-03T08:00:00")
        );
        assert_eq!(
            w.next_open(montreal("2026-12-03T21:00:00")),
            montreal("2026-12-04T08:00:00")
        );
        assert_eq!(
            w.next_open(montreal("2026-12-31T23:59:00")),
            montreal("2027-01-01T08:00:00")
        );
        assert!(w.next_open(montreal("2026-12-03T07:59:59")) > montreal("2026-12-03T07:59:59"));
    }

    #[test]
    fn follows_daylight_saving_time() {
        // 2027-03-14 at 02:00 Montréal moves to summer time: 8 a.m. is
        // 13:00 UTC the day before, 12:00 UTC that day.
        let w = SendWindow::town_default();
        let before = w.next_open(montreal("2027-03-12T22:00:00"));
        let after = w.next_open(montreal("2027-03-13T22:00:00"));
        assert_eq!(after - before, 86_400 - 3_600);
        assert_eq!(before % 86_400, 13 * 3_600); // 08:00 EST = 13:00 UTC
        assert_eq!(after % 86_400, 12 * 3_600); // 08:00 EDT = 12:00 UTC
    }

    #[test]
    fn configuration_is_checked() {
        assert!(SendWindow::parse("21:00-08:00", "America/Montreal").is_err());
        assert!(SendWindow::parse("8h-21h", "America/Montreal").is_err());
        assert!(SendWindow::parse("08:00-21:00", "Mars/Olympus").is_err());
        let w = SendWindow::parse(" 09:30 - 17:00 ", "America/Toronto").unwrap();
        assert_eq!(w.hours(), "09:30-17:00");
        let always = SendWindow::parse("00:00-24:00", "UTC").unwrap();
        assert_eq!(always.hours(), "00:00-24:00");
        let late = montreal("2026-12-03T23:59:59");
        assert_eq!(always.next_open(late), late);
    }
}
