// The dashboard's tables and sections below the funnel and the charts (Dashboard.jsx): counts,
// breakdowns by gateway and country, fraud indicators against the market, alerts, and the
// all-brands overview of a * key. Each renders what GET /v1/brands/{brand}/stats answered.

import { TableScroll, downloadText } from '../components.jsx';
import { toCsv, csvFileName } from '../lib/csv.js';
import { formatNumber, formatPercent, formatDecimal, formatSeconds, formatTime } from '../lib/format.js';

const INDICATORS = ['wrong_codes', 'rate_limited', 'prefix_blocked', 'locked', 'unlocked', 'refused_line_type',
  'refused_country', 'send_failures', 'undelivered', 'resends', 'support_calls', 'anomalies'];
// The network signals' indicators (docs/analytics.md), each with the checks it is a share of
// (null: a count of checks, shown against the starts).
const SIGNALS = [
  ['signal_checks', null], ['sim_swap_checks', null], ['sim_swaps', 'sim_swap_checks'],
  ['sim_swap_errors', 'sim_swap_checks'], ['refused_sim_swap', 'sim_swap_checks'], ['kyc_checks', null],
  ['kyc_mismatches', 'kyc_checks'], ['kyc_errors', 'kyc_checks'], ['refused_kyc', 'kyc_checks'],
  ['flagged', 'signal_checks'], ['refused_signal_error', 'signal_checks'],
];
const OUTCOME_COLUMNS = ['started', 'sent', 'delivered', 'approved', 'failed', 'cancelled', 'send_failed'];

export function CountTable({ title, head, counts, t, lang }) {
  const rows = Object.entries(counts ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  return (
    <TableScroll label={title}>
      <table>
        <caption>{title}</caption>
        <thead><tr><th scope="col">{head}</th><th scope="col">{t('dashboard.approvals')}</th></tr></thead>
        <tbody>
          {rows.length ? rows.map(([n, c]) => (
            <tr key={n}><th scope="row">{n}</th><td>{formatNumber(lang, c)}</td></tr>
          )) : <tr><td colSpan={2}>{t('state.none')}</td></tr>}
        </tbody>
      </table>
    </TableScroll>
  );
}

export function Breakdown({ id, title, rows, keyField, brand, stats, t, lang, latency }) {
  const list = rows ?? [];
  const lat = new Map((latency ?? []).map((l) => [l.gateway, l]));
  const head = [t(`dashboard.${keyField}`), ...OUTCOME_COLUMNS.map((k) => t(`funnel.${k}`)), t('rate.conversion'), t('rate.delivery')];
  if (latency) head.push(t('dashboard.latencyP50'), t('dashboard.latencyP90'));
  const csvRows = () => [
    [keyField, ...OUTCOME_COLUMNS, 'conversion', 'delivery', ...(latency ? ['latency_p50_seconds', 'latency_p90_seconds'] : [])],
    ...list.map((r) => [r[keyField], ...OUTCOME_COLUMNS.map((k) => r[k]), r.conversion, r.delivery,
      ...(latency ? [lat.get(r[keyField])?.p50_seconds ?? null, lat.get(r[keyField])?.p90_seconds ?? null] : [])]),
  ];
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      <TableScroll label={title}>
        <table data-testid={`by-${id}`}>
          <thead><tr>{head.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
          <tbody>
            {list.length ? list.map((r) => (
              <tr key={r[keyField]}>
                <th scope="row">{keyField === 'purpose' ? t(`purpose.${r.purpose}`) : r[keyField]}</th>
                {OUTCOME_COLUMNS.map((k) => <td key={k}>{formatNumber(lang, r[k])}</td>)}
                <td>{formatPercent(lang, r.conversion)}</td>
                <td>{formatPercent(lang, r.delivery)}</td>
                {latency ? <td>{formatSeconds(lang, lat.get(r[keyField])?.p50_seconds)}</td> : null}
                {latency ? <td>{formatSeconds(lang, lat.get(r[keyField])?.p90_seconds)}</td> : null}
              </tr>
            )) : <tr><td colSpan={head.length}>{t('state.none')}</td></tr>}
          </tbody>
        </table>
      </TableScroll>
      <button type="button" onClick={() => downloadText(toCsv(csvRows()), csvFileName(brand, `by-${id}`, stats.from, stats.to))}>
        {t('dashboard.downloadTable', { table: title })}
      </button>
    </section>
  );
}

// A table of indicators against the market (Fraud, Signals): one row per indicator, marked when
// it is over twice the market's; the CSV has the same columns, raw.
function IndicatorTable({ id, title, columns, rows, above, label, stats, brand, t, children }) {
  const csv = () => toCsv([
    ['indicator', ...columns.map((c) => c.key)],
    ...rows.map((r) => [r.key, ...columns.map((c) => c.csv(r))]),
  ]);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
      <TableScroll label={title}>
        <table data-testid={id}>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.indicator')}</th>
              {columns.map((c) => <th scope="col" key={c.key}>{c.head}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-indicator={r.key} class={above(r) ? 'hot' : undefined}>
                <th scope="row">
                  {label(r)}
                  {above(r) ? <span class="tag">{t('dashboard.aboveMarket')}</span> : null}
                </th>
                {columns.map((c) => <td data-field={c.key} key={c.key}>{c.cell(r)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <button type="button" onClick={() => downloadText(csv(), csvFileName(brand, id, stats.from, stats.to))}>
        {t('dashboard.downloadTable', { table: title })}
      </button>
    </section>
  );
}

// The columns every indicator table has: the brand's count, per 1,000 started, and the market's.
function countColumn(t, lang) {
  return { key: 'count', head: t('dashboard.count'), cell: (r) => formatNumber(lang, r.count), csv: (r) => r.count };
}
function perStartedColumns(t, lang) {
  return [
    { key: 'per_1000', head: t('dashboard.per1000'), cell: (r) => formatDecimal(lang, r.per_1000, 1), csv: (r) => r.per_1000 },
    { key: 'market_per_1000', head: t('dashboard.marketPer1000'), cell: (r) => formatDecimal(lang, r.market_per_1000, 1), csv: (r) => r.market_per_1000 },
  ];
}

export function Fraud({ stats, brand, t, lang }) {
  const fraud = stats.fraud ?? {};
  const rows = [
    ...INDICATORS.filter((k) => fraud[k]).map((k) => ({ key: k, label: t(`indicator.${k}`), ...fraud[k] })),
    ...Object.entries(fraud.rate_limited_by_kind ?? {}).map(([kind, v]) => ({
      key: `rate_limited:${kind}`,
      label: t('indicator.rateLimitedKind', { kind: t(`limit.${kind}`) }),
      ...v,
    })),
  ];
  const above = (r) => r.market_per_1000 !== null && r.market_per_1000 !== undefined && r.per_1000 > 2 * r.market_per_1000 && r.count > 0;
  const columns = [countColumn(t, lang), ...perStartedColumns(t, lang)];
  return (
    <IndicatorTable id="fraud" title={t('dashboard.fraud')} columns={columns} rows={rows} above={above}
      label={(r) => r.label} stats={stats} brand={brand} t={t} />
  );
}

// SIM swap and KYC checks: each finding per 1,000 of the checks that could find it, against the
// market's (null while the other brands made too few such checks), and per 1,000 started.
export function Signals({ stats, brand, t, lang }) {
  const fraud = stats.fraud ?? {};
  const rows = SIGNALS.filter(([k]) => fraud[k]).map(([k, checks]) => ({ key: k, checks, ...fraud[k] }));
  const above = (r) => r.checks && r.count > 0 && r.market_per_1000_checked != null
    && r.per_1000_checked > 2 * r.market_per_1000_checked;
  const checked = (field) => (r) => (r.checks ? formatDecimal(lang, r[field], 1) : '–');
  const columns = [
    countColumn(t, lang),
    { key: 'per_1000_checked', head: t('signals.perChecked'), cell: checked('per_1000_checked'), csv: (r) => r.per_1000_checked ?? null },
    { key: 'market_per_1000_checked', head: t('signals.marketPerChecked'), cell: checked('market_per_1000_checked'), csv: (r) => r.market_per_1000_checked ?? null },
    ...perStartedColumns(t, lang),
  ];
  const label = (r) => (
    <>
      {t(`indicator.${r.key}`)}
      {r.checks ? <span class="of-checks"> ({t(`signals.of.${r.checks}`)})</span> : null}
    </>
  );
  return (
    <IndicatorTable id="signals" title={t('dashboard.signals')} columns={columns} rows={rows} above={above}
      label={label} stats={stats} brand={brand} t={t}>
      {fraud.signal_checks?.count ? null : <p data-testid="signals-none">{t('signals.none')}</p>}
    </IndicatorTable>
  );
}

export function Alerts({ alerts, fallback, t, lang }) {
  const open = alerts?.open ?? fallback ?? [];
  const recent = alerts?.recent ?? [];
  const row = (a) => (
    <tr key={`${a.id}:${a.opened_at}`}>
      <th scope="row">{t(`indicator.${a.indicator}`)}{a.prefix ? ` ${a.prefix}` : ''}</th>
      <td>{formatTime(lang, a.opened_at)}</td>
      <td>{a.closed_at ? formatTime(lang, a.closed_at) : '–'}</td>
      <td>{formatNumber(lang, a.count)}</td>
      <td>{formatDecimal(lang, a.value, 1)}</td>
      <td>{formatDecimal(lang, a.reference, 1)}</td>
    </tr>
  );
  const head = (
    <thead>
      <tr>
        <th scope="col">{t('dashboard.indicator')}</th>
        <th scope="col">{t('alerts.opened')}</th>
        <th scope="col">{t('alerts.closed')}</th>
        <th scope="col">{t('dashboard.count')}</th>
        <th scope="col">{t('alerts.value')}</th>
        <th scope="col">{t('alerts.reference')}</th>
      </tr>
    </thead>
  );
  return (
    <section aria-labelledby="alerts-h">
      <h2 id="alerts-h">{t('alerts.title')}</h2>
      {open.length ? (
        <TableScroll label={t('alerts.open')}>
          <table data-testid="alerts-open">
            <caption>{t('alerts.open')}</caption>
            {head}
            <tbody>{open.map(row)}</tbody>
          </table>
        </TableScroll>
      ) : (
        <p data-testid="alerts-none">{t('alerts.none')}</p>
      )}
      {recent.length ? (
        <details>
          <summary>{t('alerts.recent', { n: recent.length })}</summary>
          <TableScroll label={t('alerts.recentTable')}>
            <table>
              {head}
              <tbody>{recent.map(row)}</tbody>
            </table>
          </TableScroll>
        </details>
      ) : null}
    </section>
  );
}

// GET /v1/stats (`*` keys): every brand's funnel and rates, and the market, for the same range.
export function Overview({ data, t, lang, onDownload }) {
  const rows = [...(data.brands ?? []), ...(data.market ? [{ ...data.market, brand: '*' }] : [])];
  return (
    // Not a named region, and a table name without the word "brand": getByLabel('Brand') finds
    // the brand switcher only.
    <section>
      <h2>{t('dashboard.allBrands')}</h2>
      <TableScroll label={t('dashboard.overview')}>
        <table data-testid="all-brands">
          <thead>
            <tr>
              <th scope="col">{t('header.brand')}</th>
              {['started', 'approved', 'abandoned', 'failed'].map((k) => <th key={k} scope="col">{t(`funnel.${k}`)}</th>)}
              <th scope="col">{t('rate.conversion')}</th>
              <th scope="col">{t('rate.delivery')}</th>
              <th scope="col">{t('indicator.wrong_codes')} ({t('dashboard.per1000')})</th>
              <th scope="col">{t('indicator.sim_swaps')} ({t('signals.perChecked')})</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.brand} data-brand={r.brand}>
                <th scope="row">{r.brand === '*' ? t('dashboard.market') : r.brand}</th>
                {['started', 'approved', 'abandoned', 'failed'].map((k) => <td key={k}>{formatNumber(lang, r.funnel?.[k])}</td>)}
                <td>{formatPercent(lang, r.rates?.conversion)}</td>
                <td>{formatPercent(lang, r.rates?.delivery)}</td>
                <td>{formatDecimal(lang, r.fraud?.wrong_codes?.per_1000, 1)}</td>
                <td data-field="sim_swaps_per_1000_checked">{formatDecimal(lang, r.fraud?.sim_swaps?.per_1000_checked, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <button type="button" onClick={onDownload}>{t('dashboard.downloadAllBrands')}</button>
    </section>
  );
}
