// The template editor (brand_manager): docs/api.md "Templates". Live lint through the debounced
// preview, UCS-2 characters highlighted in place, counters, a phone-shaped preview of the SMS as
// the API renders it (WebOTP / Android lines included), save with If-Match, the 412 conflict
// dialog, the version history with a diff and rollback.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { seg } from '../api.js';
import { ErrorNote, Loading, Modal, ViewHeading } from '../components.jsx';
import { analyzeSms, highlightRuns, describeCharacter } from '../lib/gsm.js';
import { diffText } from '../lib/diff.js';
import { formatNumber, formatTime } from '../lib/format.js';

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

// A textarea over a mirror of its text in which the UCS-2 characters are marked: the marks show
// through the transparent textarea at the characters' places (the mirror is hidden from
// assistive technology; the list below names the characters). The textarea grows with its text
// (templates are at most 1,000 bytes) so it never shows a scrollbar, which would narrow its
// lines and wrap them apart from the mirror's.
function HighlightedTextarea({ id, value, onInput, runs, describedBy, invalid }) {
  const input = useRef(null);
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [value]);
  return (
    <div class="hl-wrap">
      <div class="hl-mirror" aria-hidden="true">
        {runs.map((r, i) => (r.ucs2 ? <mark key={i}>{r.text}</mark> : <span key={i}>{r.text}</span>))}
        {'\n'}
      </div>
      <textarea
        id={id}
        ref={input}
        class="hl-input"
        value={value}
        rows={4}
        spellcheck={false}
        aria-describedby={describedBy}
        aria-invalid={invalid ? 'true' : 'false'}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </div>
  );
}

function Counters({ local, sms, t, lang }) {
  const n = (v) => formatNumber(lang, v);
  const enc = sms ? sms.encoding : local.encoding;
  return (
    <dl class="kv counters" id="template-counters" data-testid="counters" aria-live="polite">
      <div>
        <dt>{t('templates.encoding')}</dt>
        <dd data-testid="encoding">{enc === 'ucs2' ? 'UCS-2' : 'GSM-7'}</dd>
      </div>
      <div>
        <dt>{t('templates.textCharacters')}</dt>
        <dd data-testid="text-characters">{n(local.characters)}</dd>
      </div>
      {sms ? (
        <>
          <div>
            <dt>{t('templates.smsCharacters')}</dt>
            <dd data-testid="sms-characters">{n(sms.characters)}</dd>
          </div>
          <div>
            <dt>{enc === 'ucs2' ? t('templates.units.ucs2') : t('templates.units.gsm7')}</dt>
            <dd data-testid="sms-units">{n(sms.units)}</dd>
          </div>
          <div>
            <dt>{t('templates.segments')}</dt>
            <dd data-testid="segments">{n(sms.segments)}</dd>
          </div>
        </>
      ) : (
        <div>
          <dt>{t('templates.segmentsEstimate')}</dt>
          <dd data-testid="segments">{n(local.segments)}</dd>
        </div>
      )}
    </dl>
  );
}

function Ucs2List({ local, t }) {
  const chars = local.ucs2Characters;
  return (
    <p id="template-ucs2" data-testid="ucs2-list" class={chars.length ? 'warn' : 'muted'}>
      {chars.length
        ? t('templates.ucs2', {
            n: chars.length,
            list: chars.map((c) => t('templates.ucs2At', { ch: describeCharacter(c.character), pos: c.index + 1 })).join(', '),
          })
        : t('templates.gsm7Only')}
    </p>
  );
}

function Problems({ problems, pending, t }) {
  return (
    <div class="problems" aria-live="polite" data-testid="lint">
      <h2 class="h3">{t('templates.lint')}</h2>
      {pending ? <p class="muted">{t('templates.linting')}</p> : null}
      {!pending && !problems.length ? <p class="ok">{t('templates.lintClean')}</p> : null}
      {problems.length ? (
        <ul>
          {problems.map((p, i) => (
            <li key={i} class={p.severity === 'error' ? 'err' : 'warn'} data-code={p.code}>
              <strong>{t(`severity.${p.severity}`)}</strong>{' '}
              {p.position !== null && p.position !== undefined ? `(${t('templates.position', { pos: p.position + 1 })}) ` : ''}
              {p.message} <span class="code">{p.code}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function PhonePreview({ preview, stale, t }) {
  return (
    <figure class="phone" aria-labelledby="phone-caption">
      <figcaption id="phone-caption">{t('templates.preview')}</figcaption>
      <div class="phone-screen">
        {preview?.sms ? (
          <p class="bubble" data-testid="sms-preview">{preview.sms.text}</p>
        ) : (
          <p class="muted">{stale ? t('templates.linting') : t('templates.noPreview')}</p>
        )}
      </div>
      <p class="muted small">{t('templates.previewNote')}</p>
    </figure>
  );
}

function DiffView({ before, after, t }) {
  const ops = diffText(before, after);
  return (
    <div class="diff" data-testid="diff" role="group" aria-label={t('diff.label')}>
      {ops.map((o, i) => {
        if (o.op === 'change') {
          return (
            <div key={i} class="line change">
              {o.chars.map((c, j) =>
                c.op === 'same' ? <span key={j}>{c.value}</span> : c.op === 'del' ? <del key={j}>{c.value}</del> : <ins key={j}>{c.value}</ins>,
              )}
            </div>
          );
        }
        if (o.op === 'del') return <div key={i} class="line"><del>{o.value || ' '}</del></div>;
        if (o.op === 'add') return <div key={i} class="line"><ins>{o.value || ' '}</ins></div>;
        return <div key={i} class="line">{o.value || ' '}</div>;
      })}
      <p class="muted small">{t('diff.legend')}</p>
    </div>
  );
}

// A rollback publishes at once, so it is offered only without an unsaved draft (which it would
// replace): save or discard first.
function History({ versions, text, diffFor, setDiffFor, onRollback, busy, dirty, t, lang }) {
  if (!versions) return null;
  const list = versions.versions ?? [];
  return (
    <section aria-labelledby="history-h" class="history">
      <h2 id="history-h">{t('history.title')}</h2>
      {list.length ? null : <p>{t('history.none')}</p>}
      {dirty && list.length ? <p data-testid="history-draft-note">{t('history.draftFirst')}</p> : null}
      <ol data-testid="history">
        {list.map((v) => (
          <li key={v.version} data-version={v.version}>
            <div class="hist-head">
              <strong>{t('history.version', { version: v.version })}</strong>
              {v.version === versions.current_version ? <span class="tag">{t('history.current')}</span> : null}
              <span>{t(`history.action.${v.action}`, { from: v.from_version ?? '' })}</span>
              <span>{v.actor}</span>
              <span>{formatTime(lang, v.at)}</span>
            </div>
            {v.text === null || v.text === undefined ? <p class="muted">{t('history.files')}</p> : <pre class="textbox">{v.text}</pre>}
            <div class="buttons">
              {v.text !== null && v.text !== undefined ? (
                <button type="button" aria-expanded={diffFor === v.version ? 'true' : 'false'} onClick={() => setDiffFor(diffFor === v.version ? null : v.version)}>
                  {t('history.diff', { version: v.version })}
                </button>
              ) : null}
              {v.version !== versions.current_version ? (
                <button type="button" disabled={busy || dirty} onClick={() => onRollback(v.version)}>
                  {t('history.rollback', { version: v.version })}
                </button>
              ) : null}
            </div>
            {diffFor === v.version ? <DiffView before={v.text ?? ''} after={text} t={t} /> : null}
          </li>
        ))}
      </ol>
      {versions.current_version > 0 ? (
        <button type="button" disabled={busy || dirty} onClick={() => onRollback(0)}>
          {t('history.rollbackFiles')}
        </button>
      ) : null}
    </section>
  );
}
