// The analyst dashboard: one GET /v1/brands/{brand}/stats per range (docs/analytics.md) and
// GET .../alerts; the series also as the API's own CSV (Accept: text/csv).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { seg } from '../api.js';
import { ErrorNote, Loading, TableScroll, ViewHeading, downloadText } from '../components.jsx';
import { Chart } from '../Chart.jsx';
import { resolveRange, toLocalInput } from '../lib/timerange.js';
import { toCsv, csvFileName } from '../lib/csv.js';
import { CountTable, Breakdown, Fraud, Signals, Alerts, Overview } from './DashboardSections.jsx';
import { formatNumber, formatPercent, formatDecimal, formatSeconds, formatTime } from '../lib/format.js';

const FUNNEL_MAIN = ['started', 'sent', 'delivered', 'approved'];
const FUNNEL_SIDE = ['abandoned', 'expired', 'cancelled', 'failed', 'send_failed', 'pending'];

export function Dashboard() {
  const { t, lang, api, brand, me } = useApp();
  const allBrands = me?.brand === '*';
  const [overview, setOverview] = useState(null);
  const [choice, setChoice] = useState({ preset: '24h', granularity: '' });
  const [custom, setCustom] = useState(() => ({
    from: toLocalInput(Date.now() - 6 * 3600e3),
    to: toLocalInput(Date.now()),
  }));
  const [stats, setStats] = useState(null);
  const [alerts, setAlerts] = useState(null);
  const [error, setError] = useState(null);
  const [rangeError, setRangeError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [reload, setReload] = useState(0);

  const range = useMemo(
    () => resolveRange({ ...choice, ...(choice.preset === 'custom' ? custom : {}) }, Date.now()),
    [choice, custom, reload],
  );

  useEffect(() => {
    if (!range.ok) {
      setRangeError(t(`range.${range.error}`));
      return undefined;
    }
    setRangeError(null);
    const ctl = new AbortController();
    const q = new URLSearchParams({ from: range.from, to: range.to, granularity: range.granularity });
    setLoading(true);
    setError(null);
    Promise.all([
      api.get(`/v1/brands/${seg(brand)}/stats?${q}`, { signal: ctl.signal }),
      api.get(`/v1/brands/${seg(brand)}/alerts`, { signal: ctl.signal }),
      allBrands ? api.get(`/v1/stats?${q}`, { signal: ctl.signal }) : Promise.resolve(null),
    ])
      .then(([s, a, o]) => {
        setStats(s.data);
        setAlerts(a.data);
        setOverview(o ? o.data : null);
      })
      .catch((e) => {
        if (e.name !== 'AbortError') setError(e);
      })
      .finally(() => setLoading(false));
    return () => ctl.abort();
  }, [range.ok && range.from, range.ok && range.to, range.ok && range.granularity, brand, reload]);

  // The API's own CSV: the brand's series, or (all brands) one row per brand and the market.
  const downloadApiCsv = async (path, name) => {
    if (!range.ok) return;
    const q = new URLSearchParams({ from: range.from, to: range.to, granularity: range.granularity });
    try {
      const r = await api.get(`${path}?${q}`, { accept: 'text/csv' });
      downloadText(r.data, csvFileName(brand, name, range.from, range.to));
    } catch (e) {
      setError(e);
    }
  };
  const downloadSeries = () => downloadApiCsv(`/v1/brands/${seg(brand)}/stats`, `series-${range.granularity}`);

  return (
    <section class="view dashboard" aria-busy={loading ? 'true' : 'false'}>
      <ViewHeading>{t('dashboard.title')}</ViewHeading>
      <form class="range" onSubmit={(e) => { e.preventDefault(); setReload((n) => n + 1); }}>
        <label>
          <span>{t('range.label')}</span>
          <select value={choice.preset} onChange={(e) => setChoice({ preset: e.currentTarget.value, granularity: '' })}>
            {['24h', '7d', '30d', 'custom'].map((p) => (
              <option key={p} value={p}>{t(`range.${p}`)}</option>
            ))}
          </select>
        </label>
        {choice.preset === 'custom' ? (
          <>
            <label>
              <span>{t('range.from')}</span>
              <input type="datetime-local" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.currentTarget.value })} />
            </label>
            <label>
              <span>{t('range.to')}</span>
              <input type="datetime-local" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.currentTarget.value })} />
            </label>
          </>
        ) : null}
        <label>
          <span>{t('range.granularity')}</span>
          <select
            value={range.ok ? range.granularity : ''}
            disabled={!range.ok}
            onChange={(e) => setChoice({ ...choice, granularity: e.currentTarget.value })}
          >
            {(range.ok ? range.allowed : []).map((g) => (
              <option key={g} value={g}>{t(`granularity.${g}`)}</option>
            ))}
          </select>
        </label>
        <button type="submit">{t('action.refresh')}</button>
        <button type="button" onClick={downloadSeries} disabled={!range.ok}>{t('dashboard.downloadSeries')}</button>
      </form>
      {rangeError ? <ErrorNote error={{ kind: 'other', message: rangeError }} /> : null}
      <ErrorNote error={error} onRetry={() => setReload((n) => n + 1)} />
      {loading && !stats ? <Loading /> : null}
      {stats ? <StatsBody stats={stats} alerts={alerts} brand={brand} t={t} lang={lang} /> : null}
      {overview ? (
        <Overview data={overview} t={t} lang={lang} onDownload={() => downloadApiCsv('/v1/stats', 'all-brands')} />
      ) : null}
    </section>
  );
}

function StatsBody({ stats, alerts, brand, t, lang }) {
  const f = stats.funnel;
  const pct = (v) => formatPercent(lang, v);
  const num = (v) => formatNumber(lang, v);
  const market = stats.market ?? {};
  const mrates = market.comparable ? market.rates ?? {} : {};
  return (
    <>
      <p class="muted" data-testid="range-served">
        {t('dashboard.served', {
          from: formatTime(lang, stats.from),
          to: formatTime(lang, stats.to),
          granularity: t(`granularity.${stats.granularity}`),
        })}
      </p>

      <section aria-labelledby="funnel-h">
        <h2 id="funnel-h">{t('dashboard.funnel')}</h2>
        <ol class="funnel" data-testid="funnel">
          {FUNNEL_MAIN.map((k) => (
            <li key={k} data-stage={k}>
              <FunnelBar label={t(`funnel.${k}`)} value={f[k]} of={f.started} lang={lang} />
            </li>
          ))}
        </ol>
        <dl class="kv funnel-side" data-testid="funnel-side">
          {FUNNEL_SIDE.map((k) => (
            <div key={k} data-stage={k}>
              <dt>{t(`funnel.${k}`)}</dt>
              <dd>{num(f[k])}</dd>
            </div>
          ))}
        </dl>
        <TableScroll label={t('dashboard.rates')}>
          <table data-testid="rates">
            <caption>{t('dashboard.rates')}</caption>
            <thead>
              <tr><th scope="col">{t('dashboard.rate')}</th><th scope="col">{t('dashboard.brand')}</th><th scope="col">{t('dashboard.market')}</th></tr>
            </thead>
            <tbody>
              {['conversion', 'delivery', 'abandonment', 'failure', 'send_failure'].map((k) => (
                <tr key={k} data-rate={k}>
                  <th scope="row">{t(`rate.${k}`)}</th>
                  <td>{pct(stats.rates?.[k])}</td>
                  <td>{pct(mrates[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        <button type="button" onClick={() => downloadText(toCsv(summaryRows(stats)), csvFileName(brand, 'summary', stats.from, stats.to))}>
          {t('dashboard.downloadSummary')}
        </button>
        {!market.comparable ? <p class="muted">{t('dashboard.marketNotComparable', { brands: market.brands ?? '?' })}</p> : null}
      </section>

      <OverTime stats={stats} t={t} lang={lang} />

      <section aria-labelledby="approve-h">
        <h2 id="approve-h">{t('dashboard.approval')}</h2>
        <dl class="kv">
          <div><dt>{t('dashboard.attemptsMean')}</dt><dd data-testid="attempts-mean">{formatDecimal(lang, stats.attempts_to_approve?.mean, 2)}</dd></div>
          <div><dt>{t('dashboard.sendsMean')}</dt><dd>{formatDecimal(lang, stats.sends_per_approval?.mean, 2)}</dd></div>
          <div><dt>{t('dashboard.ttaP50')}</dt><dd>{formatSeconds(lang, stats.time_to_approve?.p50_seconds)}</dd></div>
          <div><dt>{t('dashboard.ttaP90')}</dt><dd>{formatSeconds(lang, stats.time_to_approve?.p90_seconds)}</dd></div>
          <div><dt>{t('dashboard.ttaMarketP50')}</dt><dd>{formatSeconds(lang, market.comparable ? market.time_to_approve?.p50_seconds : null)}</dd></div>
          <div><dt>{t('dashboard.ttaMarketP90')}</dt><dd>{formatSeconds(lang, market.comparable ? market.time_to_approve?.p90_seconds : null)}</dd></div>
        </dl>
        <div class="grid2">
          <CountTable title={t('dashboard.attempts')} head={t('dashboard.attemptsCol')} counts={stats.attempts_to_approve?.counts} t={t} lang={lang} />
          <CountTable title={t('dashboard.sends')} head={t('dashboard.sendsCol')} counts={stats.sends_per_approval?.counts} t={t} lang={lang} />
        </div>
        <TableScroll label={t('dashboard.tta')}>
          <table data-testid="time-to-approve">
            <caption>{t('dashboard.tta')}</caption>
            <thead><tr><th scope="col">{t('dashboard.upTo')}</th><th scope="col">{t('dashboard.count')}</th></tr></thead>
            <tbody>
              {(stats.time_to_approve?.buckets ?? []).filter((b) => b.count > 0).map((b) => (
                <tr key={String(b.le_seconds)}>
                  <th scope="row">{b.le_seconds === null ? t('dashboard.more') : formatSeconds(lang, b.le_seconds)}</th>
                  <td>{num(b.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <Breakdown id="gateway" title={t('dashboard.byGateway')} rows={stats.by_gateway} keyField="gateway" brand={brand} stats={stats} t={t} lang={lang} latency={stats.delivery_latency} />
      <Breakdown id="country" title={t('dashboard.byCountry')} rows={stats.by_country} keyField="country" brand={brand} stats={stats} t={t} lang={lang} />
      <Breakdown id="locale" title={t('dashboard.byLocale')} rows={stats.by_locale} keyField="locale" brand={brand} stats={stats} t={t} lang={lang} />
      <Breakdown id="purpose" title={t('dashboard.byPurpose')} rows={stats.by_purpose} keyField="purpose" brand={brand} stats={stats} t={t} lang={lang} />

      <Fraud stats={stats} brand={brand} t={t} lang={lang} />
      <Signals stats={stats} brand={brand} t={t} lang={lang} />
      <Alerts alerts={alerts} fallback={stats.alerts} t={t} lang={lang} />
    </>
  );
}

// The funnel and the rates with the market's, as shown above the charts.
function summaryRows(stats) {
  const m = stats.market?.comparable ? stats.market.rates ?? {} : {};
  return [
    ['metric', 'brand', 'market'],
    ...[...FUNNEL_MAIN, ...FUNNEL_SIDE].map((k) => [`funnel.${k}`, stats.funnel?.[k], null]),
    ...['conversion', 'delivery', 'abandonment', 'failure', 'send_failure'].map((k) => [`rate.${k}`, stats.rates?.[k], m[k]]),
  ];
}

function FunnelBar({ label, value, of, lang }) {
  const share = of ? value / of : null;
  return (
    <div class="funnel-stage">
      <span class="funnel-label">{label}</span>
      <span class="funnel-value">{formatNumber(lang, value)}</span>
      <span class="funnel-share">{formatPercent(lang, share)}</span>
      <span
        class="bar"
        aria-hidden="true"
        ref={(el) => {
          // Set through the CSSOM (allowed by the CSP), not a style attribute.
          if (el) el.style.width = `${Math.round((share ?? 0) * 100)}%`;
        }}
      />
    </div>
  );
}

function OverTime({ stats, t, lang }) {
  const series = stats.series ?? [];
  const market = stats.market?.comparable ? stats.market.rates : null;
  const data = useMemo(() => {
    const xs = series.map((p) => Date.parse(p.from) / 1000);
    const conv = series.map((p) => (p.started ? p.approved / p.started : null));
    const deliv = series.map((p) => (p.sent ? p.delivered / p.sent : null));
    const mc = series.map(() => market?.conversion ?? null);
    const md = series.map(() => market?.delivery ?? null);
    return [xs, conv, deliv, mc, md];
  }, [stats]);
  const volume = useMemo(() => [data[0], series.map((p) => p.started), series.map((p) => p.approved)], [stats]);
  const rateSeries = useMemo(() => [
    { label: t('rate.conversion'), stroke: '#1f5fbf' },
    { label: t('rate.delivery'), stroke: '#1b7f3b' },
    { label: t('dashboard.marketConversion'), stroke: '#1f5fbf', dash: [6, 4] },
    { label: t('dashboard.marketDelivery'), stroke: '#1b7f3b', dash: [6, 4] },
  ], [lang]);
  const volumeSeries = useMemo(() => [
    { label: t('funnel.started'), stroke: '#6b4fbb' },
    { label: t('funnel.approved'), stroke: '#b35900' },
  ], [lang]);
  const pct = (v) => formatPercent(lang, v);
  if (!series.length) return null;
  return (
    <section aria-labelledby="overtime-h">
      <h2 id="overtime-h">{t('dashboard.overTime')}</h2>
      <figure>
        <figcaption>{t('dashboard.ratesChart')}</figcaption>
        <Chart data={data} series={rateSeries} yFormat={(v) => formatPercent(lang, v)} yRange={[0, 1]} testId="chart-rates" />
      </figure>
      <figure>
        <figcaption>{t('dashboard.volumeChart')}</figcaption>
        <Chart data={volume} series={volumeSeries} yFormat={(v) => formatNumber(lang, v)} testId="chart-volume" />
      </figure>
      <details>
        <summary>{t('dashboard.seriesTable')}</summary>
        <TableScroll label={t('dashboard.seriesTable')}>
          <table data-testid="series">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.bucket')}</th>
                {['started', 'sent', 'delivered', 'approved', 'abandoned', 'failed'].map((k) => <th key={k} scope="col">{t(`funnel.${k}`)}</th>)}
                <th scope="col">{t('rate.conversion')}</th>
              </tr>
            </thead>
            <tbody>
              {series.map((p) => (
                <tr key={p.from}>
                  <th scope="row">{formatTime(lang, p.from)}</th>
                  {['started', 'sent', 'delivered', 'approved', 'abandoned', 'failed'].map((k) => <td key={k}>{formatNumber(lang, p[k])}</td>)}
                  <td>{pct(p.conversion)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </section>
  );
}
