//! The person's records as a whole: export, import, delete everything,
//! and keeping the store small (old days merged into weeks, and what to do
//! when storage is full).

use super::Tracker;
use crate::calendar::{iso_utc, Date, Zone};
use crate::finds::Finds;
use crate::ledger::{Day, Ledger};
use crate::settings::Settings;
use crate::store::{self, DayRow, Export, ImportError, TakeRow, UndoError, UndoImport, SCHEMA};
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

    /// [`Self::import`], keeping the store as it was so the import can be
    /// undone once ([`Self::undo_import`]): the copy is written with the
    /// import, in the same write. Days past the retention are merged
    /// first, so the store right after the import is the one kept.
    pub fn import_at(
        &mut self,
        export: &Export,
        now: f64,
        zone: &impl Zone,
        locale: &str,
    ) -> Result<(), ImportError> {
        let mut before = UndoImport::before(now, &self.settings, &self.ledger, &self.finds.finds);
        self.import(export)?;
        self.compact(now, zone, locale);
        before.after = self.fingerprint();
        self.outbox.undo(Some(before.clone()));
        self.undo = Some(before);
        Ok(())
    }

    /// The undo a stopped worker left in storage.
    pub fn with_undo(mut self, undo: Option<UndoImport>) -> Tracker {
        self.undo = undo;
        self
    }

    /// The rest of the store, read when something first asks for the whole
    /// history (a starting worker reads only the recent days): each stored
    /// day taken as it is, unless this worker holds that day already (what
    /// it holds is what it wrote), and the undo, unless an import made one
    /// since. Nothing is written for them.
    ///
    /// ```text
    /// holds 12-01 x 5 min; read 11-01 x 1 h, 12-01 x 4 min -> 11-01 x 1 h, 12-01 x 5 min
    /// ```
    pub fn history_read(&mut self, days: Vec<(Date, Day)>, undo: Option<UndoImport>) {
        for (date, day) in days {
            if self.ledger.day(date).is_none() {
                self.ledger.set_day(date, day);
            }
        }
        if self.undo.is_none() {
            self.undo = undo;
        }
    }

    /// Stored values set aside, told in one notice with any told before.
    pub fn quarantined(&mut self, keys: Vec<String>) {
        let mut all = keys;
        self.notices.retain(|n| match n {
            Notice::Quarantined { keys } => {
                all.extend(keys.iter().cloned());
                false
            }
            _ => true,
        });
        all.sort();
        all.dedup();
        if !all.is_empty() {
            self.notices.push(Notice::Quarantined { keys: all });
        }
    }

    /// When the import that can be undone was made, or why none can be.
    ///
    /// ```text
    /// no import                         -> Err(NothingToUndo)
    /// import at t, nothing since        -> Ok(t)
    /// import, then a minute counted     -> Err(ChangedSince)
    /// ```
    pub fn undoable(&self) -> Result<f64, UndoError> {
        let undo = self.undo.as_ref().ok_or(UndoError::NothingToUndo)?;
        if self.fingerprint() == undo.after {
            Ok(undo.at)
        } else {
            Err(UndoError::ChangedSince)
        }
    }

    /// Puts back the store exactly as it was before the last import:
    /// its days (the days only the import brought lose their keys), its
    /// settings and its finds. Once; refused if anything changed since.
    pub fn undo_import(&mut self) -> Result<(), UndoError> {
        self.undoable()?;
        let Some(undo) = self.undo.take() else {
            return Err(UndoError::NothingToUndo);
        };
        let ledger = undo.ledger();
        let kept: Vec<Date> = undo.days.iter().map(|(d, _)| *d).collect();
        let mut gone: Vec<Date> = self.ledger.rows().map(|(d, _, _)| d).collect();
        gone.dedup();
        gone.retain(|d| ledger.day(*d).is_none());
        self.ledger = ledger;
        self.settings = undo.settings;
        self.finds.finds = undo.finds;
        self.finds.saved = None;
        self.outbox.merged(&gone, &kept);
        self.outbox.settings();
        self.outbox.finds();
        self.outbox.undo(None);
        self.outbox.urgent();
        Ok(())
    }

    fn fingerprint(&self) -> String {
        store::fingerprint(&self.settings, &self.ledger, &self.finds.finds)
    }

    /// Forgets every record and setting (the person asked, twice). Open
    /// pages keep counting from now, under default settings.
    pub fn delete_everything(&mut self, now: f64) {
        self.ledger = Ledger::default();
        self.settings = Settings::default();
        self.notices.clear();
        self.finds.finds = Finds::default();
        self.finds.saved = None;
        self.undo = None;
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
        match self.kept_from(now, zone) {
            Some(before) => self.compact_before(before, locale),
            None => false,
        }
    }

    /// The first day the retention keeps day by day (`None`: all of them).
    ///
    /// ```text
    /// today 2026-12-02, retention 730 -> 2024-12-02     retention 0 -> None
    /// ```
    pub fn kept_from(&self, now: f64, zone: &impl Zone) -> Option<Date> {
        let keep = self.settings.retention_days;
        (keep != 0).then(|| {
            self.settings
                .calendar()
                .day_of(now, zone)
                .add_days(-i64::from(keep))
        })
    }

    /// Whether a starting worker should read the whole history to merge
    /// the days past the retention: a week or more since the last merge
    /// (`last`: the first day it kept, [`Self::kept_from`] then), as the
    /// week's alarm would, for a browser never running at a week's end.
    ///
    /// ```text
    /// kept from 2024-12-02 now:  last None -> true    last 2024-11-25 -> true
    ///                            last 2024-11-26 -> false    retention 0 -> false
    /// ```
    pub fn compaction_due(&self, last: Option<Date>, now: f64, zone: &impl Zone) -> bool {
        self.kept_from(now, zone)
            .is_some_and(|from| last.is_none_or(|last| last.add_days(7) <= from))
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
        // The copy kept to undo an import goes first: it is the store again.
        if self.undo.take().is_some() {
            self.outbox.undo(None);
            self.mark_all_dirty();
            return true;
        }
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
    fn the_history_read_later_fills_the_days_not_held_and_writes_nothing() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        let day = |ms: f64| {
            let mut d = crate::ledger::Day::new();
            d.entry("x".to_string()).or_default().attention_ms = ms;
            d
        };
        t.history_read(vec![], None);
        t.ledger.set_day(today, day(300_000.0));
        let old = today.add_days(-300);
        t.history_read(vec![(old, day(3_600_000.0)), (today, day(240_000.0))], None);
        assert_eq!(
            t.ledger().attention_ms(old, "x"),
            3_600_000.0,
            "an old day taken"
        );
        assert_eq!(
            t.ledger().attention_ms(today, "x"),
            300_000.0,
            "the day held stays"
        );
        assert!(
            t.take_writes().days.is_empty(),
            "nothing to write: it is stored"
        );
    }

    #[test]
    fn values_set_aside_at_the_start_and_later_are_told_in_one_notice() {
        let mut t = tracker();
        t.quarantined(vec![]);
        assert!(t.notices.is_empty(), "nothing set aside, nothing told");
        t.quarantined(vec!["run".into()]);
        t.quarantined(vec!["day:2025-01-01".into(), "run".into()]);
        assert_eq!(
            t.notices,
            vec![Notice::Quarantined {
                keys: vec!["day:2025-01-01".into(), "run".into()]
            }]
        );
    }

    #[test]
    fn a_merge_is_due_at_a_start_a_week_after_the_last() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        let from = today.add_days(-730);
        assert_eq!(t.kept_from(T0, &Z), Some(from));
        assert!(t.compaction_due(None, T0, &Z), "never merged, or not noted");
        assert!(t.compaction_due(Some(from.add_days(-7)), T0, &Z));
        assert!(!t.compaction_due(Some(from.add_days(-6)), T0, &Z));
        assert!(!t.compaction_due(Some(from), T0, &Z));
        // Keeping every day: nothing ever to merge.
        let mut s = t.settings().clone();
        s.retention_days = 0;
        t.set_settings(s, T0, &Z).unwrap();
        assert_eq!(t.kept_from(T0, &Z), None);
        assert!(!t.compaction_due(None, T0, &Z));
    }

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

    fn find(id: u64, date: Date) -> crate::finds::Find {
        crate::finds::Find {
            id,
            saved_at: "2026-11-18T12:00:00.000Z".into(),
            date,
            site: "x".into(),
            url: format!("https://x.com/a/status/{id}"),
            author: "Layla".into(),
            text: "A post".into(),
        }
    }

    #[test]
    fn an_import_is_undone_once_to_exactly_the_store_before_it() {
        let mut t = tracker();
        let today = t.settings().calendar().day_of(T0, &Z);
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        present_for(&mut t, 1, T0, 30);
        t.closed(1, T0 + 31_000.0, &Z);
        let mut s = t.settings().clone();
        s.idle_threshold_seconds = 15;
        t.set_settings(s, T0 + 31_000.0, &Z).unwrap();
        let mut mine = t.export(T0, &Z);
        mine.finds = vec![find(1, today)];
        t.import(&mine).unwrap();
        t.take_writes();
        let before = (t.settings().clone(), t.ledger().clone(), t.finds().clone());
        assert!(before.1.attention_ms(today, "x") > 0.0);
        assert_eq!(t.undoable(), Err(UndoError::NothingToUndo));
        assert_eq!(t.undo_import(), Err(UndoError::NothingToUndo));

        // A file that replaces today's x, brings a day and a find, and
        // other settings (and a cap that drops the find the store had).
        let mut file = t.export(T0, &Z);
        let mut x = DayRow::new(today, "x", &crate::ledger::DayRecord::default());
        x.attention_seconds = 1.0;
        let mut old = DayRow::new(
            today.add_days(-3),
            "reddit",
            &crate::ledger::DayRecord::default(),
        );
        old.attention_seconds = 600.0;
        file.days = vec![x, old];
        file.settings.idle_threshold_seconds = 60;
        file.finds = (2..=11).map(|id| find(id, today)).collect();
        file.settings.finds_cap = 10;
        t.import_at(&file, T0 + 40_000.0, &Z, "en").unwrap();
        assert_eq!(t.settings().idle_threshold_seconds, 60);
        assert_eq!(t.finds().len(), 10);
        let w = t.take_writes();
        let Some(Some(kept)) = w.undo.clone() else {
            panic!("the store before is written with the import, in the same write")
        };
        assert!(w.settings.is_some() && !w.days.is_empty());
        assert_eq!(t.undoable(), Ok(T0 + 40_000.0));
        let after = (t.settings().clone(), t.ledger().clone(), t.finds().clone());

        // A worker restarted: what storage holds, the copy with it.
        let mut back = Tracker::new(t.settings().clone(), t.ledger().clone(), None, &Z)
            .with_finds(t.finds().clone())
            .with_undo(Some(kept.clone()));
        assert_eq!(back.undoable(), Ok(T0 + 40_000.0));
        back.undo_import().unwrap();
        assert_eq!(back.settings(), &before.0);
        assert_eq!(back.ledger(), &before.1, "exactly the days before");
        assert_eq!(back.finds(), &before.2, "the dropped find is back");
        let w = back.take_writes();
        assert_eq!(w.undo, Some(None), "its copy goes");
        assert_eq!(
            w.removed_days,
            vec![today.add_days(-3)],
            "the day only the import brought loses its key"
        );
        assert!(w
            .days
            .iter()
            .any(|(d, day)| *d == today && day == before.1.day(today).unwrap()));
        assert_eq!(back.undo_import(), Err(UndoError::NothingToUndo), "once");

        // Anything kept since the import: refused, nothing changed.
        t.sensor(1, hello("https://x.com/home"), T0 + 50_000.0, &Z)
            .unwrap();
        present_for(&mut t, 1, T0 + 50_000.0, 5);
        t.closed(1, T0 + 56_000.0, &Z);
        let now = t.ledger().clone();
        assert_eq!(t.undoable(), Err(UndoError::ChangedSince));
        assert_eq!(t.undo_import(), Err(UndoError::ChangedSince));
        assert_eq!(t.ledger(), &now);
        assert_eq!(t.settings().idle_threshold_seconds, 60);
        // A setting changed since is a change too.
        let mut u = Tracker::new(after.0, after.1, None, &Z)
            .with_finds(after.2)
            .with_undo(Some(kept));
        assert_eq!(u.undoable(), Ok(T0 + 40_000.0));
        let mut s = u.settings().clone();
        s.idle_threshold_seconds = 120;
        u.set_settings(s, T0 + 60_000.0, &Z).unwrap();
        assert_eq!(u.undoable(), Err(UndoError::ChangedSince));
    }

    #[test]
    fn a_full_store_lets_the_undo_copy_go_first() {
        let mut t = tracker();
        let file = t.export(T0, &Z);
        t.import_at(&file, T0, &Z, "en").unwrap();
        t.take_writes();
        assert!(t.storage_full(T0, &Z, "en"), "write again without it");
        let w = t.take_writes();
        assert_eq!(w.undo, Some(None));
        assert!(w.settings.is_some(), "everything else again");
        assert_eq!(t.undoable(), Err(UndoError::NothingToUndo));
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
