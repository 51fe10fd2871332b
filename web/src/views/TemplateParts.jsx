// The template editor's parts (Templates.jsx): the text with its UCS-2 characters marked, the
// counters, the lint's problems, the phone-shaped preview, the diff, and the version history.

import { useEffect, useRef } from 'preact/hooks';
import { describeCharacter } from '../lib/gsm.js';
import { diffText } from '../lib/diff.js';
import { formatNumber, formatTime } from '../lib/format.js';

// A textarea over a mirror of its text in which the UCS-2 characters are marked: the marks show
// through the transparent textarea at the characters' places (the mirror is hidden from
// assistive technology; the list below names the characters). The textarea grows with its text
// (templates are at most 1,000 bytes) so it never shows a scrollbar, which would narrow its
// lines and wrap them apart from the mirror's.
export function HighlightedTextarea({ id, value, onInput, runs, describedBy, invalid }) {
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

export function Counters({ local, sms, t, lang }) {
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

export function Ucs2List({ local, t }) {
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

export function Problems({ problems, pending, t }) {
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

export function PhonePreview({ preview, stale, t }) {
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

export function DiffView({ before, after, t }) {
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
export function History({ versions, text, diffFor, setDiffFor, onRollback, busy, dirty, t, lang }) {
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
