//! The person's choices: the settings as a whole (from the options page),
//! and the per-site ones made on the page (pause, hide, fold, drag).

use super::pages::sleep;
use super::Tracker;
use crate::attention::TabId;
use crate::calendar::Zone;
use crate::protocol::{PauseSpan, SensorCommand};
use crate::settings::{Position, Settings, SettingsError};

/// A per-site choice made in a page's overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayChoice {
    /// Pause the site for an hour, or for the rest of the day.
    Pause(PauseSpan),
    /// Hide the counter on the site (the options bring it back).
    Hide,
    /// Fold the counter to a dot, or unfold it.
    Minimize(bool),
}

/// When a pause of `span` chosen at `now` runs out: an hour on, or the
/// start of the person's next day (their day start, their zone).
///
/// ```text
/// Hour,  now 14:20          -> 15:20
/// Today, now 14:20, day 0h  -> 00:00 tomorrow
/// Today, now 02:00, day 4h  -> 04:00 today (the day began yesterday)
/// ```
pub fn pause_until(settings: &Settings, span: PauseSpan, now: f64, zone: &impl Zone) -> f64 {
    match span {
        PauseSpan::Hour => now + 3_600_000.0,
        PauseSpan::Today => {
            let calendar = settings.calendar();
            calendar.start_of(calendar.day_of(now, zone).succ(), zone)
        }
    }
}

impl Tracker {
    /// Replaces the settings, validated. Answers what each open page's
    /// sensor must now be told: stop (site turned off or paused), or show
    /// or hide its counter.
    pub fn set_settings(
        &mut self,
        settings: Settings,
        now: f64,
        zone: &impl Zone,
    ) -> Result<Vec<(TabId, SensorCommand)>, SettingsError> {
        settings.validate()?;
        let old = std::mem::replace(&mut self.settings, settings);
        // The goal's card, switched off or its goal taken away, goes.
        if !self.settings.goal_card || self.settings.daily_goal_minutes == 0 {
            self.prompting.goal.card = None;
        }
        // Pages of a site whose rules changed hear them (pending commands).
        self.sync_own_rules();
        self.outbox.settings();
        let dropped = self.finds.finds.trim(self.settings.finds_cap as usize);
        if dropped > 0 {
            self.finds_dropped(dropped);
            self.outbox.finds();
        }
        self.outbox.urgent();
        let mut commands = Vec::new();
        let tabs = self.pages.sites();
        commands.extend(self.wake_due(now));
        for (tab, site) in tabs {
            let hidden = self.settings.overlay_hidden.contains(&site);
            if !self.settings.tracks(&site, now) {
                self.closed(tab, now, zone);
                commands.push((tab, sleep(&self.settings, &site, now)));
                self.pages.sleep(tab, site);
            } else if old.overlay_hidden.contains(&site) != hidden {
                commands.push((tab, SensorCommand::Overlay { show: !hidden }));
            }
        }
        // A day start moved: today's prompt count and badge follow at once.
        self.check_prompt(now, zone);
        Ok(commands)
    }

    /// The person's own ad rules as the settings hold them, in force on
    /// every open page: a page whose site's rules changed is sent them
    /// again (through [`Tracker::take_commands`]). Settings are validated
    /// whenever they are set, imported or loaded, so the rules parse.
    pub(super) fn sync_own_rules(&mut self) {
        if self.pages.own_text() == self.settings.ad_rules {
            return;
        }
        let own = self.settings.own_rules().unwrap_or_default();
        self.pages
            .set_own(&self.settings.ad_rules, own, &self.settings.custom_sites);
    }

    /// A choice made in `tab`'s overlay, for its site, applied the way the
    /// options page would. `None`: the tab is not tracked.
    pub fn choose(
        &mut self,
        tab: TabId,
        choice: OverlayChoice,
        now: f64,
        zone: &impl Zone,
    ) -> Option<Result<Vec<(TabId, SensorCommand)>, SettingsError>> {
        let site = self.attention.site_of(tab)?.to_string();
        let mut settings = self.settings.clone();
        match choice {
            OverlayChoice::Pause(span) => {
                let until = pause_until(&settings, span, now, zone);
                settings.paused_until.insert(site, until);
            }
            OverlayChoice::Hide => {
                settings.overlay_hidden.insert(site);
            }
            OverlayChoice::Minimize(true) => {
                settings.overlay_minimized.insert(site);
            }
            OverlayChoice::Minimize(false) => {
                settings.overlay_minimized.remove(&site);
            }
        }
        Some(self.set_settings(settings, now, zone))
    }

    /// The person dragged `tab`'s counter to a place: remembered for its
    /// site (clamped to a screen).
    pub(super) fn place(&mut self, tab: TabId, inline: f64, bottom: f64) {
        let Some(site) = self.attention.site_of(tab).map(String::from) else {
            return;
        };
        self.settings
            .overlay_positions
            .insert(site, Position::clamped(inline, bottom));
        self.outbox.settings();
        self.outbox.urgent();
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::calendar::FixedZone;
    use crate::protocol::SensorEvent;

    #[test]
    fn a_dragged_counter_keeps_its_place_per_site() {
        let mut t = tracker();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(
            1,
            SensorEvent::Placed {
                inline: 300.4,
                bottom: f64::INFINITY,
            },
            T0,
            &Z,
        )
        .unwrap();
        let place = crate::settings::Position {
            inline: 300,
            bottom: 0,
        };
        assert_eq!(t.settings().overlay_positions.get("x"), Some(&place));
        assert!(t.take_writes().settings.is_some(), "written");
        let Some(SensorCommand::Track { position, .. }) =
            t.sensor(2, hello("https://twitter.com/"), T0, &Z).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            position,
            Some(place),
            "the next page of the site starts there"
        );
        let Some(SensorCommand::Track { position, .. }) = t
            .sensor(3, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(position, None, "another site keeps its corner");
    }

    #[test]
    fn a_pause_lasts_an_hour_or_to_the_persons_next_day() {
        let s = Settings::default();
        let midnight = 1_795_392_000_000.0; // 2026-11-23T00:00Z
        let afternoon = midnight + 14.0 * 3_600_000.0;
        assert_eq!(
            pause_until(&s, PauseSpan::Hour, afternoon, &Z),
            afternoon + 3_600_000.0
        );
        assert_eq!(
            pause_until(&s, PauseSpan::Today, afternoon, &Z),
            midnight + 86_400_000.0
        );
        // In UTC+3 the local day ends at 21:00 UTC.
        assert_eq!(
            pause_until(&s, PauseSpan::Today, afternoon, &FixedZone(180)),
            midnight + 21.0 * 3_600_000.0
        );
    }

    #[test]
    fn a_choice_in_the_overlay_is_for_its_own_site_and_tells_the_pages() {
        let mut t = tracker();
        assert_eq!(t.choose(1, OverlayChoice::Hide, T0, &Z), None, "untracked");
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(2, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap();
        assert_eq!(
            t.choose(1, OverlayChoice::Minimize(true), T0, &Z),
            Some(Ok(vec![]))
        );
        assert!(t.settings().overlay_minimized.contains("x"));
        t.choose(1, OverlayChoice::Minimize(false), T0, &Z);
        assert!(t.settings().overlay_minimized.is_empty());
        assert_eq!(
            t.choose(1, OverlayChoice::Hide, T0, &Z),
            Some(Ok(vec![(1, SensorCommand::Overlay { show: false })]))
        );
        assert_eq!(
            t.choose(2, OverlayChoice::Pause(PauseSpan::Hour), T0, &Z),
            Some(Ok(vec![(
                2,
                SensorCommand::Sleep {
                    until: Some(T0 + 3_600_000.0)
                }
            )]))
        );
        assert_eq!(
            t.settings().paused_until.get("reddit"),
            Some(&(T0 + 3_600_000.0))
        );
    }

    fn own(rules: &str) -> Settings {
        Settings {
            ad_rules: rules.into(),
            ..Settings::default()
        }
    }

    fn slot(id: u32, rule: u32) -> SensorEvent {
        SensorEvent::Slot {
            id,
            rule,
            labels: vec![],
        }
    }

    fn pushed(t: &mut Tracker) -> Vec<(TabId, usize)> {
        t.take_commands()
            .into_iter()
            .filter_map(|(tab, c)| match c {
                SensorCommand::Rules { rules } => Some((tab, rules.len())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn own_rules_reach_the_open_pages_of_their_site_and_count_like_built_in_ones() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        t.sensor(2, hello("https://www.reddit.com/"), T0, &Z)
            .unwrap();
        // The built-in x.com rules are 0 and 1; a slot by an unknown rule 2 is nothing yet.
        assert_eq!(t.sensor(1, slot(7, 2), T0, &Z).unwrap(), None);
        t.set_settings(own("! mine\nx.com##aside.promo\n"), T0, &Z)
            .unwrap();
        assert_eq!(pushed(&mut t), vec![(1, 3)], "x's page only, at once");
        assert_eq!(pushed(&mut t), vec![], "told once");
        assert_eq!(
            t.sensor(1, slot(7, 2), T0, &Z).unwrap(),
            Some(SensorCommand::Ad { id: 7 }),
            "the page's third rule is the person's"
        );
        assert_eq!(t.ledger().rows().next().unwrap().2.ads_rendered, 1);
        // A new page of the site gets them with the built-in ones.
        let Some(SensorCommand::Track { rules, .. }) =
            t.sensor(3, hello("https://m.x.com/"), T0, &Z).unwrap()
        else {
            panic!()
        };
        assert_eq!(rules.last().map(|r| r.css.as_str()), Some("aside.promo"));
        // Another setting changed: nothing is pushed again.
        let mut s = t.settings().clone();
        s.prompt_minutes = 20;
        t.set_settings(s, T0, &Z).unwrap();
        assert_eq!(pushed(&mut t), vec![]);
    }

    #[test]
    fn a_refused_rule_changes_nothing_and_delete_everything_removes_them() {
        let mut t = with_ads();
        t.sensor(1, hello("https://x.com/home"), T0, &Z).unwrap();
        assert!(matches!(
            t.set_settings(own("x.com##aside\nevil.example##div"), T0, &Z),
            Err(SettingsError::AdRules(_))
        ));
        assert_eq!(t.settings().ad_rules, "");
        assert_eq!(pushed(&mut t), vec![]);
        t.set_settings(own("x.com##aside"), T0, &Z).unwrap();
        assert_eq!(pushed(&mut t), vec![(1, 3)]);
        t.delete_everything(T0);
        assert_eq!(t.settings().ad_rules, "");
        assert_eq!(pushed(&mut t), vec![(1, 2)], "back to the built-in rules");
    }

    #[test]
    fn own_rules_travel_in_an_export_and_are_validated_again_on_import() {
        let mut t = with_ads();
        t.set_settings(own("x.com##aside.promo"), T0, &Z).unwrap();
        let export = t.export(T0, &Z);
        assert_eq!(export.settings.ad_rules, "x.com##aside.promo");
        let json = serde_json::to_value(&export).unwrap();
        let mut other = with_ads();
        other
            .sensor(1, hello("https://x.com/home"), T0, &Z)
            .unwrap();
        let mut bad = json.clone();
        bad["settings"]["ad_rules"] = "x.com##aside.promo\nx.com##div:upward(0)".into();
        let bad: crate::store::Export = serde_json::from_value(bad).unwrap();
        let err = other.import(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "settings: ad_rules: line 2: :upward(): n must be 1–64"
        );
        assert_eq!(other.settings().ad_rules, "", "nothing changed");
        assert_eq!(pushed(&mut other), vec![]);
        other
            .import(&serde_json::from_value(json).unwrap())
            .unwrap();
        assert_eq!(other.settings().ad_rules, "x.com##aside.promo");
        assert_eq!(pushed(&mut other), vec![(1, 3)], "the open page follows");
    }
}
