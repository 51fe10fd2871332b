// Small shared pieces. Every value from the API is passed as a JSX child (text), never as HTML.

import { useEffect, useRef } from 'preact/hooks';
import { useApp } from './context.js';

/** An API error: its message (the API's sentence) and code, announced to screen readers. */
export function ErrorNote({ error, onRetry }) {
  const { t } = useApp();
  if (!error) return null;
  let text;
  if (error.kind === 'network') text = t('error.network');
  else if (error.kind === 'unavailable') text = t('error.unavailable');
  else if (error.kind === 'forbidden' && !error.message) text = t('error.forbidden');
  else text = error.message ?? t('error.generic', { status: error.status ?? '?' });
  return (
    <div class="error" role="alert" data-testid="error">
      <p>
        {text}
        {error.code ? <span class="code"> ({error.code})</span> : null}
      </p>
      {Array.isArray(error.body?.problems) && error.body.problems.length ? (
        <ul>
          {error.body.problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('action.retry')}
        </button>
      ) : null}
    </div>
  );
}

/** A table that may be wider than a phone: scrollable, focusable, named. */
export function TableScroll({ label, children }) {
  const { t } = useApp();
  return (
    <div class="table-scroll" role="region" aria-label={t('table.label', { name: label })} tabIndex={0}>
      {children}
    </div>
  );
}

export function Loading() {
  const { t } = useApp();
  return (
    <p class="muted" role="status">
      {t('state.loading')}
    </p>
  );
}

/**
 * Moves focus to the view's heading when a view is opened from the menu or after sign-in
 * (keyboard and screen reader users land on it), not when a brand switch re-opens it: the focus
 * then stays on the brand selector.
 */
export function ViewHeading({ children }) {
  const ref = useRef(null);
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.closest('nav') || active.closest('form')?.closest('.signin')) {
      ref.current?.focus();
    }
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/** A <dialog> opened modally while `open`; Escape and the close button call onClose. */
export function Modal({ open, title, onClose, children, id }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid={id}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}

/** Triggers a file download of text made here (a Blob and an object URL: allowed by the CSP). */
export function downloadText(text, fileName, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
