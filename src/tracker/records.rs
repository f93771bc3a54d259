//! The person's records as a whole: export, import, delete everything,
//! and keeping the store small (old days merged into weeks, and what to do
//! when storage is full).

use super::Tracker;
use crate::calendar::{iso_utc, Date, Zone};
use crate::finds::Finds;
use crate::ledger::Ledger;
use crate::settings::Settings;
use crate::store::{self, DayRow, Export, ImportError, TakeRow, SCHEMA};
use crate::summary::Notice;

impl Tracker {
    /// Something the popup must tell about the store.
    pub fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    /// The export, the open run counted up to `now`.
    pub fn export(&self, now: f64, zone: &impl Zone) -> Export {
        Export {
            schema: SCHEMA,
            exported_at: iso_utc(now),
            settings: self.settings.clone(),
            days: self
                .ledger_now(now, zone)
                .rows()
                .map(|(date, site, rec)| DayRow {
                    take: self.take(rec.ads_viewable, site).map(|t| TakeRow {
                        low: t.low,
                        typical: t.typical,
                        high: t.high,
                    }),
                    ..DayRow::new(date, site, rec)
                })
                .collect(),
            finds: self.finds.finds.all().to_vec(),
        }
    }

    /// What importing `export` would change.
    pub fn preview(&self, export: &Export) -> Result<store::ImportPreview, ImportError> {
        store::preview(export, &self.ledger, &self.settings)
    }

    /// Applies an export; refused whole, with its reason, if any part is bad.
    pub fn import(&mut self, export: &Export) -> Result<(), ImportError> {
        let days = store::apply(export, &mut self.ledger, &mut self.settings)?;
        self.outbox.days(days);
        let dropped = self
            .finds
            .finds
            .merge(&export.finds, self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
        }
        self.outbox.finds();
        self.outbox.settings();
        self.outbox.urgent();
        Ok(())
    }

    /// Forgets every record and setting (the person asked, twice). Open
    /// pages keep counting from now, under default settings.
    pub fn delete_everything(&mut self, now: f64) {
        self.ledger = Ledger::default();
        self.settings = Settings::default();
        self.notices.clear();
        self.finds.finds = Finds::default();
        self.finds.saved = None;
        self.prompting.restart(now);
        self.attention.restart(now);
        self.outbox.deleted();
    }

    /// Marks everything held as unsaved (storage was cleared under it).
    pub fn mark_all_dirty(&mut self) {
        self.outbox.all(&self.ledger);
    }

    /// Merges days older than the retention into weekly totals. Answers
    /// whether anything changed.
    pub fn compact(&mut self, now: f64, zone: &impl Zone, locale: &str) -> bool {
        let keep = self.settings.retention_days;
        if keep == 0 {
            return false;
        }
        let before = self
            .settings
            .calendar()
            .day_of(now, zone)
            .add_days(-i64::from(keep));
        self.compact_before(before, locale)
    }

    /// Storage is full: the oldest half-year of day-by-day detail (never
    /// the last four weeks) is merged into weekly totals, and the popup
    /// says so. Answers whether anything could be freed.
    pub fn compact_for_quota(&mut self, now: f64, zone: &impl Zone, locale: &str) -> bool {
        let Some(oldest) = self.ledger.oldest_detail() else {
            return false;
        };
        let before = oldest
            .add_days(182)
            .min(self.settings.calendar().day_of(now, zone).add_days(-28));
        if before <= oldest || !self.compact_before(before, locale) {
            return false;
        }
        self.notices
            .retain(|n| !matches!(n, Notice::Compacted { .. }));
        self.notices.push(Notice::Compacted {
            through: before.add_days(-1),
        });
        true
    }

    /// The browser refused a write for the quota: free the oldest detail
    /// and write everything again. Answers whether to write again (false:
    /// nothing is left to free).
    pub fn storage_full(&mut self, now: f64, zone: &impl Zone, locale: &str) -> bool {
        let freed = self.compact_for_quota(now, zone, locale);
        if freed {
            self.mark_all_dirty();
        }
        freed
    }

    fn compact_before(&mut self, before: Date, locale: &str) -> bool {
        let c = self
            .ledger
            .compact(before, self.settings.week_start_for(locale));
        self.outbox.merged(&c.removed, &c.changed);
        let changed = !c.changed.is_empty();
        if changed {
            self.outbox.urgent();
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::Flush;
    use super::*;

    #[test]
    fn days_past_the_retention_become_weeks_and_a_full_store_frees_the_oldest() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        let mut export = t.export(T0, &Z);
        for back in [800, 799, 795, 400, 10] {
            let mut row = DayRow::new(
                today.add_days(-back),
                "x",
                &crate::ledger::DayRecord::default(),
            );
            row.attention_seconds = 600.0;
            export.days.push(row);
        }
        t.import(&export).unwrap();
        t.take_writes();
        assert!(t.compact(T0, &Z, "en-GB"), "past two years");
        let w = t.take_writes();
        assert!(!w.removed_days.is_empty(), "their keys go");
        assert!(w
            .days
            .iter()
            .all(|(d, day)| !w.removed_days.contains(d) && !day.is_empty()));
        let rows = t.export(T0, &Z).days;
        let old: Vec<_> = rows
            .iter()
            .filter(|r| r.date < today.add_days(-730))
            .collect();
        assert!(old.iter().all(|r| r.merged_days >= 1));
        assert_eq!(
            old.iter().map(|r| r.attention_seconds).sum::<f64>(),
            1800.0,
            "totals kept"
        );
        assert!(!t.compact(T0, &Z, "en-GB"), "nothing more to merge");
        // Storage full: the oldest half-year of detail goes, never the last weeks.
        assert!(t.compact_for_quota(T0, &Z, "en-GB"));
        let rows = t.export(T0, &Z).days;
        assert!(rows
            .iter()
            .find(|r| r.date <= today.add_days(-390))
            .is_some_and(|r| r.merged_days >= 1));
        assert_eq!(
            rows.iter()
                .find(|r| r.date == today.add_days(-10))
                .unwrap()
                .merged_days,
            0
        );
        assert!(t
            .popup(T0, &Z, "en")
            .notices
            .iter()
            .any(|n| matches!(n, Notice::Compacted { .. })));
        assert_eq!(
            rows.iter().map(|r| r.attention_seconds).sum::<f64>(),
            3000.0,
            "still every second"
        );
    }

    #[test]
    fn a_full_store_is_written_again_whole_while_something_can_be_freed() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        let mut export = t.export(T0, &Z);
        for back in [400, 300] {
            let mut row = DayRow::new(
                today.add_days(-back),
                "x",
                &crate::ledger::DayRecord::default(),
            );
            row.attention_seconds = 600.0;
            export.days.push(row);
        }
        t.import(&export).unwrap();
        t.take_writes();
        assert!(t.storage_full(T0, &Z, "en"));
        assert_eq!(t.flush(), Flush::Now, "written again at once");
        let w = t.take_writes();
        assert!(w.settings.is_some() && w.finds.is_some(), "whole");
        while t.storage_full(T0, &Z, "en") {}
        t.take_writes();
        assert!(!t.storage_full(T0, &Z, "en"), "nothing left to free");
        assert_eq!(t.flush(), Flush::Idle, "and nothing to write again");
    }

    #[test]
    fn import_changes_settings_and_refusal_changes_nothing() {
        let mut t = tracker();
        let mut e = t.export(T0, &Z);
        e.settings.idle_threshold_seconds = 15;
        t.import(&e).unwrap();
        assert_eq!(t.settings().idle_threshold_seconds, 15);
        assert_eq!(t.take_writes().settings.unwrap().idle_threshold_seconds, 15);
        e.schema = 99;
        assert!(matches!(
            t.import(&e),
            Err(ImportError::NewerSchema { found: 99 })
        ));
        assert_eq!(t.flush(), Flush::Idle);
    }

    #[test]
    fn delete_everything_forgets_records_and_settings() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 30);
        let mut s = t.settings().clone();
        s.idle_threshold_seconds = 15;
        t.set_settings(s, T0 + 30_000.0, &Z).unwrap();
        t.delete_everything(T0 + 30_000.0);
        assert_eq!(t.settings(), &Settings::default());
        let left: f64 = t
            .export(T0 + 30_000.0, &Z)
            .days
            .iter()
            .map(|r| r.attention_seconds)
            .sum();
        assert_eq!(left, 0.0);
        // Counting goes on from now.
        present_for(&mut t, 1, T0 + 31_000.0, 4);
        let now: f64 = t
            .export(T0 + 35_000.0, &Z)
            .days
            .iter()
            .map(|r| r.attention_seconds)
            .sum();
        assert!((now - 5.0).abs() < 1e-9, "{now}");
    }
}
