//! Criterion bench of Thaman's pure core: how many sensor events a second
//! the background's `Tracker` takes, alone and with what the background does
//! around each one (the overlay state, the batched storage writes).
//!
//! Run natively: `cargo bench --bench core` (add `-- --quick` for a short
//! run). Needs in Cargo.toml:
//!
//! ```toml
//! [[bench]]
//! name = "core"
//! harness = false
//!
//! [target.'cfg(not(target_arch = "wasm32"))'.dev-dependencies]
//! criterion = { version = "0.5", default-features = false }
//! ```
//!
//! On wasm32 this file compiles to an empty `main`: Criterion is native only.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{criterion_group, BatchSize, Criterion, Throughput};
    use thaman::attention::TabId;
    use thaman::calendar::{Date, FixedZone};
    use thaman::labels::Labels;
    use thaman::ledger::{DayRecord, Ledger};
    use thaman::protocol::SensorEvent;
    use thaman::rules::parse_rules;
    use thaman::settings::Settings;
    use thaman::tracker::{Flush, Tracker};

    const ZONE: FixedZone = FixedZone(0);
    /// 2026-11-18, mid-day UTC (as in the tracker's tests).
    const T0: f64 = 1_795_000_000_000.0;
    /// Events per measured batch.
    const N: u64 = 1_000;

    fn hello(url: &str) -> SensorEvent {
        SensorEvent::Hello {
            url: url.into(),
            visible: true,
            focused: true,
            media: false,
            idle_ms: None,
            reconnected: false,
        }
    }

    /// A tracker with the shipped site rules and ad labels (as the worker
    /// builds it) and one tracked tab in front, counting.
    fn counting(ledger: Ledger) -> Tracker {
        let rules =
            parse_rules(include_str!("../rules/sites.txt")).expect("rules/sites.txt parses");
        let labels =
            Labels::parse(include_str!("../rules/labels.txt")).expect("rules/labels.txt parses");
        let mut t =
            Tracker::new(Settings::default(), ledger, None, &ZONE).with_rules(rules, labels);
        t.sensor(1, hello("https://www.facebook.com/"), T0, &ZONE)
            .unwrap();
        t.sensor(1, SensorEvent::Input { typing: false }, T0, &ZONE)
            .unwrap();
        let _ = t.take_writes();
        t
    }

    /// A year of history on every catalog site: what a long-time user's
    /// worker loads at start.
    fn year_of_history() -> Ledger {
        let sites = [
            "facebook",
            "instagram",
            "x",
            "youtube",
            "reddit",
            "linkedin",
            "tiktok",
            "pinterest",
            "snapchat",
            "threads",
        ];
        let mut ledger = Ledger::default();
        let today = (T0 / 86_400_000.0) as i64;
        for d in (today - 365)..today {
            let day = sites
                .iter()
                .map(|s| {
                    (
                        s.to_string(),
                        DayRecord {
                            attention_ms: 600_000.0,
                            ..DayRecord::default()
                        },
                    )
                })
                .collect();
            ledger.set_day(Date::from_days(d), day);
        }
        ledger
    }

    /// The person scrolls: one `input` a second (the sensor's cap), each
    /// handled by the core alone.
    fn sensor_events(c: &mut Criterion) {
        let mut g = c.benchmark_group("tracker");
        g.throughput(Throughput::Elements(N));

        g.bench_function("input_1hz", |b| {
            b.iter_batched(
                || counting(Ledger::default()),
                |mut t| {
                    for i in 1..=N {
                        black_box(
                            t.sensor(
                                1,
                                SensorEvent::Input { typing: false },
                                T0 + i as f64 * 1000.0,
                                &ZONE,
                            )
                            .unwrap(),
                        );
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });

        g.bench_function("heartbeat_5s", |b| {
            b.iter_batched(
                || counting(Ledger::default()),
                |mut t| {
                    for i in 1..=N {
                        black_box(
                            t.sensor(1, SensorEvent::Heartbeat {}, T0 + i as f64 * 5000.0, &ZONE)
                                .unwrap(),
                        );
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });

        // Two tracked tabs, the person switching between them every 10
        // events: runs close (spans booked into the ledger) and reopen.
        g.bench_function("two_tabs_switching", |b| {
            b.iter_batched(
                || {
                    let mut t = counting(Ledger::default());
                    t.sensor(2, hello("https://x.com/home"), T0, &ZONE).unwrap();
                    t
                },
                |mut t| {
                    let mut front: TabId = 1;
                    for i in 1..=N {
                        let now = T0 + i as f64 * 700.0;
                        let event = match i % 10 {
                            0 => {
                                let back = front;
                                front = 3 - front;
                                black_box(
                                    t.sensor(
                                        back,
                                        SensorEvent::Visibility { visible: false },
                                        now,
                                        &ZONE,
                                    )
                                    .unwrap(),
                                );
                                SensorEvent::Visibility { visible: true }
                            }
                            5 => SensorEvent::Heartbeat {},
                            _ => SensorEvent::Input { typing: false },
                        };
                        black_box(t.sensor(front, event, now, &ZONE).unwrap());
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });

        // Scrolling a Facebook feed at ~3 posts a second, as the sensor
        // reports it: every post is a candidate slot for the label rule
        // (index 2 of Facebook's rules), every 10th is an ad (the
        // structural rule, index 0, plus its "Sponsored" label), whose
        // visible ratio is sent as it scrolls through, then it leaves.
        // Throughput counts sensor events.
        let mut feed = Vec::new();
        for post in 0..N as u32 {
            let now = T0 + f64::from(post) * 330.0;
            if post % 3 == 0 {
                feed.push((now, SensorEvent::Input { typing: false }));
            }
            if post % 10 == 9 {
                feed.push((
                    now,
                    SensorEvent::Slot {
                        id: post,
                        rule: 0,
                        labels: vec![],
                    },
                ));
                feed.push((
                    now,
                    SensorEvent::Slot {
                        id: post,
                        rule: 2,
                        labels: vec!["Sponsored".into()],
                    },
                ));
                for (k, ratio) in [0.2, 0.6, 1.0, 1.0, 0.6, 0.2, 0.0].into_iter().enumerate() {
                    feed.push((
                        now + k as f64 * 250.0,
                        SensorEvent::View {
                            id: post,
                            ratio,
                            area: 590.0 * 420.0,
                        },
                    ));
                }
                feed.push((now + 2000.0, SensorEvent::Gone { id: post }));
            } else {
                feed.push((
                    now,
                    SensorEvent::Slot {
                        id: post,
                        rule: 2,
                        labels: vec!["Samir Haddad".into(), "3h".into()],
                    },
                ));
            }
        }
        feed.sort_by(|a, b| a.0.total_cmp(&b.0));
        g.throughput(Throughput::Elements(feed.len() as u64));
        g.bench_function("feed_with_ads", |b| {
            b.iter_batched(
                || (counting(Ledger::default()), feed.clone()),
                |(mut t, events)| {
                    for (now, event) in events {
                        black_box(t.sensor(1, event, now, &ZONE).unwrap());
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });
        g.throughput(Throughput::Elements(N));

        g.bench_function("hello_new_page", |b| {
            b.iter_batched(
                || counting(Ledger::default()),
                |mut t| {
                    for i in 1..=N {
                        let tab = 10 + (i % 50) as TabId;
                        black_box(
                            t.sensor(
                                tab,
                                hello("https://www.reddit.com/r/all"),
                                T0 + i as f64 * 100.0,
                                &ZONE,
                            )
                            .unwrap(),
                        );
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }

    /// What the background does for each sensor message: apply it, compute
    /// the overlay's state, and write storage when due (at most every 5 s),
    /// as `State::receive` → `changed` → `flush_if_due` do. A year of history
    /// is loaded so the ledger has its real size.
    fn background_step(c: &mut Criterion) {
        let mut g = c.benchmark_group("background");
        g.throughput(Throughput::Elements(N));
        let history = year_of_history();
        g.bench_function("input_overlay_flush", |b| {
            b.iter_batched(
                || (counting(history.clone()), T0),
                |(mut t, mut last_write)| {
                    for i in 1..=N {
                        let now = T0 + i as f64 * 1000.0;
                        t.sensor(1, SensorEvent::Input { typing: false }, now, &ZONE)
                            .unwrap();
                        black_box(t.overlay_state(1, now, &ZONE));
                        match t.flush() {
                            Flush::Now => {
                                black_box(t.take_writes());
                                last_write = now;
                            }
                            Flush::Soon if now - last_write >= 5000.0 => {
                                t.tick(now, &ZONE);
                                black_box(t.take_writes());
                                last_write = now;
                            }
                            _ => {}
                        }
                    }
                    t
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();

        let mut g = c.benchmark_group("store");
        let t = counting(history.clone());
        g.bench_function("export_year_10_sites", |b| {
            b.iter(|| black_box(t.export(T0 + 60_000.0, &ZONE)))
        });
        g.finish();

        // What the popup and the weekly page ask of the core (the browser
        // bench times the whole popup open).
        let mut g = c.benchmark_group("summary");
        g.bench_function("popup_year_10_sites", |b| {
            b.iter(|| black_box(t.popup(T0 + 60_000.0, &ZONE, "en-US")))
        });
        g.bench_function("weekly_year_10_sites", |b| {
            b.iter(|| black_box(t.weekly(T0 + 60_000.0, &ZONE, "en-US")))
        });
        g.finish();
    }

    /// Decoding a sensor message (serde_json here; the worker decodes with
    /// serde-wasm-bindgen, which shares the derive and the validation).
    fn decode(c: &mut Criterion) {
        let mut g = c.benchmark_group("decode");
        g.throughput(Throughput::Elements(1));
        g.bench_function("input", |b| {
            b.iter(|| {
                serde_json::from_str::<SensorEvent>(black_box(r#"{"type":"input"}"#)).unwrap()
            })
        });
        g.bench_function("hello", |b| {
            let hello = r#"{"type":"hello","url":"https://www.facebook.com/","visible":true,"focused":true,"media":false,"idle_ms":1200}"#;
            b.iter(|| serde_json::from_str::<SensorEvent>(black_box(hello)).unwrap())
        });
        g.finish();
    }

    criterion_group!(benches, sensor_events, background_step, decode);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
