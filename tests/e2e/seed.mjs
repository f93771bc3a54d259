// A known history for tests and screenshots: 15 days up to today across a
// few platforms, with ads, useful time, reasons and hours, as an export.
const DAY = 86_400_000;

/** `YYYY-MM-DD` of the local day `back` days before `now`. */
export function localDate(now, back = 0) {
  const d = new Date(now - back * DAY);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** An export (schema 1) holding `days` of made-up but consistent history. */
export function seedExport(now = Date.now(), days = 15, settings = {}, { allSites = false } = {}) {
  const sites = [
    ['facebook', 2400, 0.25, 30], ['youtube', 1800, 0.5, 12], ['x', 900, 0.1, 18], ['reddit', 600, 0.3, 6],
  ];
  if (allSites) {
    sites.push(['instagram', 1500, 0.2, 20], ['linkedin', 500, 0.6, 4], ['tiktok', 2000, 0.1, 25],
      ['pinterest', 300, 0.4, 5], ['snapchat', 400, 0.3, 8], ['threads', 350, 0.2, 3]);
  }
  const rows = [];
  for (let back = days - 1; back >= 0; back--) {
    sites.forEach(([site, base, share, ads], i) => {
      if ((back + i) % 5 === 4) return; // some days without some sites
      const attention = base + ((back * 37 + i * 101) % 900);
      const useful = Math.round(attention * share);
      const hours = Array(24).fill(0);
      hours[21] = Math.round(attention * 600);
      hours[13] = attention * 1000 - hours[21];
      rows.push({
        date: localDate(now, back), site, attention_seconds: attention, useful_seconds: useful,
        ads_rendered: ads + 4, ads_viewable: ads + (back % 3),
        reasons: { learned: back % 2, work: i === 0 ? 1 : 0, people: 0, reach: 0 }, hours,
      });
    });
  }
  return {
    schema: 1, exported_at: new Date(now).toISOString(),
    settings: {
      idle_threshold_seconds: 60, day_start_hour: 0, region: 'us_canada', currency: 'USD', usd_rate: 1,
      cpm_overrides: {}, prompt_minutes: 10, prompt_daily_cap: 6, week_start: 'monday', ...settings,
    },
    days: rows,
  };
}
