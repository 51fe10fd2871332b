// The template editor (brand_manager): docs/api.md "Templates". Live lint through the debounced
// preview, UCS-2 characters highlighted in place, counters, a phone-shaped preview of the SMS as
// the API renders it (WebOTP / Android lines included), save with If-Match, the 412 conflict
// dialog, the version history with a diff and rollback.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { seg } from '../api.js';
import { ErrorNote, Loading, Modal, ViewHeading } from '../components.jsx';
import { analyzeSms, highlightRuns } from '../lib/gsm.js';
import { formatTime } from '../lib/format.js';
import { HighlightedTextarea, Counters, Ucs2List, Problems, PhonePreview, DiffView, History } from './TemplateParts.jsx';

const PREVIEW_DELAY_MS = 300;

export function Templates() {
  const { t, api, brand } = useApp();
  const [list, setList] = useState(null);
  const [locale, setLocale] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    api
      .get(`/v1/brands/${seg(brand)}/templates`)
      .then((r) => {
        const templates = r.data.templates ?? [];
        setList(templates);
        setLocale((l) => l ?? templates[0]?.locale ?? null);
      })
      .catch(setError);
  }, [brand]);

  return (
    <section class="view templates">
      <ViewHeading>{t('templates.title')}</ViewHeading>
      <ErrorNote error={error} />
      {!list && !error ? <Loading /> : null}
      {list ? (
        <>
          <label class="inline">
            <span>{t('templates.locale')}</span>
            <select value={locale ?? ''} onChange={(e) => setLocale(e.currentTarget.value)}>
              {list.map((tpl) => (
                <option key={tpl.locale} value={tpl.locale}>
                  {tpl.locale}
                </option>
              ))}
            </select>
          </label>
          {locale ? <Editor key={`${brand}:${locale}`} locale={locale} /> : <p>{t('templates.none')}</p>}
        </>
      ) : null}
    </section>
  );
}

function Editor({ locale }) {
  const { t, lang, api, brand } = useApp();
  const base = `/v1/brands/${seg(brand)}/templates/${seg(locale)}`;
  const [server, setServer] = useState(null); // the template as last read or saved
  const [text, setText] = useState('');
  const [preview, setPreview] = useState(null); // {text, sms, problems} | {text, error}
  const [versions, setVersions] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(null); // {theirs, action}
  const [diffFor, setDiffFor] = useState(null);

  const load = async () => {
    setError(null);
    try {
      const r = await api.get(base);
      setServer(r.data);
      setText(r.data.text ?? '');
      setPreview({ text: r.data.text ?? '', sms: r.data.sms, problems: r.data.problems ?? [] });
    } catch (e) {
      setError(e);
    }
  };
  const loadVersions = async () => {
    try {
      setVersions((await api.get(`${base}/versions`)).data);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load();
    loadVersions();
  }, [base]);

  // Debounced lint: one preview per pause in typing; a stale answer is dropped.
  useEffect(() => {
    if (!server || (preview && preview.text === text)) return undefined;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      api
        .post(`${base}/preview`, { text }, { signal: ctl.signal })
        .then((r) => setPreview({ text, sms: r.data.sms, problems: r.data.problems ?? [] }))
        .catch((e) => {
          if (e.name === 'AbortError') return;
          setPreview({ text, error: e, problems: e.body?.problems ?? [] });
        });
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text, server]);

  const local = useMemo(() => analyzeSms(text), [text]);
  const current = preview && preview.text === text;
  const problems = current ? preview.problems : [];
  const hasErrors = problems.some((p) => p.severity === 'error');
  const dirty = server && text !== (server.text ?? '');

  const save = async (etag, action = 'save') => {
    setBusy(true);
    setError(null);
    setNotice(null);
    const sent = text;
    try {
      const r = await api.put(base, { text: sent }, { headers: { 'If-Match': etag }, idempotent: true });
      setServer(r.data);
      // What was typed while the save ran (a retry can take seconds) stays, as a draft on top.
      setText((now) => (now === sent ? r.data.text ?? sent : now));
      setConflict(null);
      setNotice(t('templates.saved', { version: r.data.version }));
      loadVersions();
    } catch (e) {
      if (e.kind === 'precondition') await openConflict(action);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const rollback = async (version) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const r = await api.post(`${base}/rollback`, { version }, { headers: { 'If-Match': server.etag }, idempotent: true });
      setServer(r.data);
      setText(r.data.text ?? '');
      setNotice(t('templates.rolledBack', { version, newVersion: r.data.version }));
      setDiffFor(null);
      loadVersions();
    } catch (e) {
      if (e.kind === 'precondition') await openConflict('rollback');
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  // 412: someone saved in between. Show their version; the manager reloads or overwrites.
  const openConflict = async (action) => {
    try {
      const theirs = (await api.get(base)).data;
      const history = (await api.get(`${base}/versions`)).data;
      setVersions(history);
      const meta = history.versions?.find((v) => v.version === theirs.version);
      setConflict({ theirs, meta, action });
    } catch (e) {
      setError(e);
    }
  };

  if (!server) return error ? <ErrorNote error={error} onRetry={load} /> : <Loading />;

  return (
    <div class="editor">
      <p class="muted" data-testid="template-version">
        {t('templates.versionLine', {
          version: server.version,
          source: t(`templates.source.${server.source}`),
        })}
        {server.in_effect === false ? <strong> {t('templates.notInEffect')}</strong> : null}
      </p>
      <div class="editor-grid">
        <div>
          <label for="template-text">{t('templates.text')}</label>
          <HighlightedTextarea id="template-text" value={text} onInput={setText} runs={highlightRuns(text)} invalid={hasErrors} describedBy="template-counters template-ucs2" />
          <Counters local={local} sms={current && preview.sms ? preview.sms : null} t={t} lang={lang} />
          <Ucs2List local={local} t={t} />
          <Problems problems={problems} t={t} pending={!current} />
          <div class="buttons">
            <button type="button" onClick={() => save(server.etag)} disabled={busy || !dirty}>
              {t('templates.save')}
            </button>
            <button type="button" onClick={() => { setText(server.text ?? ''); setNotice(null); }} disabled={busy || !dirty}>
              {t('templates.discard')}
            </button>
          </div>
          {notice ? <p role="status" class="ok" data-testid="template-notice">{notice}</p> : null}
          <ErrorNote error={error} />
        </div>
        <PhonePreview preview={current ? preview : null} stale={!current} t={t} />
      </div>

      <History
        versions={versions}
        text={text}
        diffFor={diffFor}
        setDiffFor={setDiffFor}
        onRollback={rollback}
        busy={busy}
        dirty={dirty}
        t={t}
        lang={lang}
      />

      <Modal id="conflict-dialog" open={Boolean(conflict)} title={t('conflict.title')} onClose={() => setConflict(null)}>
        {conflict ? (
          <div>
            <p>
              {t('conflict.intro', {
                version: conflict.theirs.version,
                actor: conflict.meta?.actor ?? '?',
                at: conflict.meta ? formatTime(lang, conflict.meta.at) : '?',
              })}
            </p>
            <h3>{t('conflict.theirs')}</h3>
            <pre class="textbox" data-testid="conflict-theirs">{conflict.theirs.text}</pre>
            <h3>{t('conflict.diff')}</h3>
            <DiffView before={conflict.theirs.text ?? ''} after={text} t={t} />
            <div class="buttons">
              <button
                type="button"
                onClick={() => {
                  setServer(conflict.theirs);
                  setText(conflict.theirs.text ?? '');
                  setConflict(null);
                  setNotice(t('conflict.reloaded', { version: conflict.theirs.version }));
                }}
              >
                {t('conflict.reload')}
              </button>
              {conflict.action !== 'rollback' ? (
                <button type="button" class="danger" disabled={busy} onClick={() => save(conflict.theirs.etag, 'overwrite')}>
                  {t('conflict.overwrite')}
                </button>
              ) : null}
              <button type="button" onClick={() => setConflict(null)}>
                {t('action.cancel')}
              </button>
            </div>
          </div>
        ) : null}
      </Modal>
    </div>
  );
}
