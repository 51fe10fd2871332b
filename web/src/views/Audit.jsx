// The audit log (support, admin): GET /v1/brands/{brand}/audit, newest first, paged with
// `before`. The API has no filter parameters, so the filters narrow the page shown (the view
// says so); a bigger page (up to 200) covers more at once.

import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { seg } from '../api.js';
import { ErrorNote, Loading, TableScroll, ViewHeading } from '../components.jsx';
import { formatTime } from '../lib/format.js';

const ACTIONS = ['template.put', 'template.rollback', 'subscriber.lookup', 'subscriber.unlock', 'support_call.start',
  'support_call.check', 'support_call.resend', 'support_call.cancel', 'verification.create', 'verification.check',
  'verification.resend', 'verification.cancel'];

export function Audit() {
  const { t, lang, api, brand } = useApp();
  const [limit, setLimit] = useState(50);
  const [cursors, setCursors] = useState([null]); // cursors[i] = `before` of page i
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [filter, setFilter] = useState({ action: '', actor: '', text: '' });
  const [reload, setReload] = useState(0);
  const before = cursors[cursors.length - 1];

  useEffect(() => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    setLoading(true);
    setError(null);
    api
      .get(`/v1/brands/${seg(brand)}/audit?${q}`)
      .then((r) => setPage(r.data))
      .catch(setError)
      .finally(() => setLoading(false));
  }, [brand, limit, before, reload]);

  const entries = (page?.entries ?? []).filter((e) => {
    if (filter.action && e.action !== filter.action) return false;
    if (filter.actor && !String(e.actor ?? '').toLowerCase().includes(filter.actor.toLowerCase())) return false;
    if (filter.text) {
      const hay = JSON.stringify(e).toLowerCase();
      if (!hay.includes(filter.text.toLowerCase())) return false;
    }
    return true;
  });

  return (
    <section class="view audit" aria-busy={loading ? 'true' : 'false'}>
      <ViewHeading>{t('audit.title')}</ViewHeading>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>{t('audit.action')}</span>
          <select value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.currentTarget.value })}>
            <option value="">{t('audit.allActions')}</option>
            {ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>
          <span>{t('audit.actor')}</span>
          <input type="search" value={filter.actor} onInput={(e) => setFilter({ ...filter, actor: e.currentTarget.value })} />
        </label>
        <label>
          <span>{t('audit.search')}</span>
          <input type="search" value={filter.text} onInput={(e) => setFilter({ ...filter, text: e.currentTarget.value })} />
        </label>
        <label>
          <span>{t('audit.pageSize')}</span>
          <select value={String(limit)} onChange={(e) => { setLimit(Number(e.currentTarget.value)); setCursors([null]); }}>
            {[20, 50, 100, 200].map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => setReload((n) => n + 1)}>{t('action.refresh')}</button>
      </form>
      <p class="muted small">{t('audit.filterNote')}</p>
      <ErrorNote error={error} onRetry={() => setReload((n) => n + 1)} />
      {loading && !page ? <Loading /> : null}
      {page ? (
        <>
          <p role="status" class="muted" data-testid="audit-count">
            {t('audit.showing', { shown: entries.length, total: page.entries.length, page: cursors.length })}
          </p>
          <TableScroll label={t('audit.title')}>
            <table data-testid="audit">
              <thead>
                <tr>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.target')}</th>
                  <th scope="col">{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.length ? entries.map((e) => (
                  <tr key={e.id} data-action={e.action}>
                    <th scope="row">{formatTime(lang, e.at)}</th>
                    <td class="mono">{e.action}</td>
                    <td>{e.actor}</td>
                    <td>{e.target || '–'}</td>
                    <td><Details entry={e} t={t} /></td>
                  </tr>
                )) : <tr><td colSpan={5}>{t('state.none')}</td></tr>}
              </tbody>
            </table>
          </TableScroll>
          <div class="buttons">
            <button type="button" disabled={cursors.length <= 1 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
              {t('audit.newer')}
            </button>
            <button type="button" disabled={!page.next || loading} onClick={() => setCursors([...cursors, page.next])}>
              {t('audit.older')}
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

// The fields an entry carries besides the common ones, as text.
function Details({ entry, t }) {
  const parts = [];
  if (entry.reason !== undefined) parts.push([t('audit.reason'), entry.reason]);
  if (entry.old_version !== undefined) parts.push([t('audit.versions'), `${entry.old_version} → ${entry.new_version}`]);
  if (entry.verification) parts.push([t('audit.verification'), entry.verification]);
  if (entry.outcome) parts.push([t('audit.outcome'), entry.outcome]);
  if (!parts.length) return '–';
  return (
    <dl class="details">
      {parts.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}
