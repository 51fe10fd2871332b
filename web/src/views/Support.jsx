// The support desk (support role): look a number up, unlock it with a reason, and check a
// caller's identity with a support call (docs/api.md "Support tools", "Support calls").

import { useRef, useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { seg } from '../api.js';
import { ErrorNote, TableScroll, ViewHeading } from '../components.jsx';
import { formatNumber, formatTime } from '../lib/format.js';
import { checkOutcome, normalisePhone, isE164 } from '../lib/callcheck.js';


export function Support() {
  const { t } = useApp();
  return (
    <section class="view support">
      <ViewHeading>{t('support.title')}</ViewHeading>
      <Lookup />
      <CallerCheck />
    </section>
  );
}

function Lookup() {
  const { t, lang, api, brand } = useApp();
  const [phone, setPhone] = useState('');
  const [sub, setSub] = useState(null);
  const [looked, setLooked] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [detail, setDetail] = useState(null);
  // The number in the field now, for answers that arrive after it was edited.
  const typed = useRef('');
  const stillTyped = (p) => normalisePhone(typed.current) === p;

  const show = async (id) => {
    setError(null);
    try {
      setDetail((await api.get(`/v1/verifications/${seg(id)}`)).data);
    } catch (err) {
      setError(err);
    }
  };

  // The card and the unlock act on the number looked up: once the field says another, they go,
  // so an agent never unlocks the number they no longer see.
  const forget = () => {
    setSub(null);
    setLooked(null);
    setDetail(null);
    setNotice(null);
  };
  const edit = (value) => {
    typed.current = value;
    setPhone(value);
    if (looked !== null && normalisePhone(value) !== looked) forget();
  };

  const lookup = async (e) => {
    e?.preventDefault();
    const p = normalisePhone(phone);
    setError(null);
    forget();
    if (!isE164(p)) {
      setError({ kind: 'other', message: t('support.phoneInvalid') });
      return;
    }
    setBusy(true);
    try {
      const r = await api.get(`/v1/brands/${seg(brand)}/subscribers/${seg(p)}`);
      if (!stillTyped(p)) return;  // the agent has moved on to another number
      setSub(r.data);
      setLooked(p);
    } catch (err) {
      if (!stillTyped(p)) return;
      setSub(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const unlock = async (e) => {
    e.preventDefault();
    if (!looked) return;
    setNotice(null);
    setError(null);
    if (!reason.trim()) {
      setReasonError(t('support.reasonRequired'));
      return;
    }
    setReasonError(null);
    setBusy(true);
    try {
      const target = looked;
      const r = await api.post(`/v1/brands/${seg(brand)}/subscribers/${seg(target)}/unlock`, { reason: reason.trim() }, { idempotent: true });
      // Unlocked either way; the card only while the field still names that number.
      if (stillTyped(target)) setSub(r.data);
      setReason('');
      setNotice(t('support.unlocked', { phone: r.data.phone_number }));
    } catch (err) {
      if (err.body?.field === 'reason') setReasonError(err.message);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="lookup-h">
      <h2 id="lookup-h">{t('support.lookup')}</h2>
      <form onSubmit={lookup} class="row" novalidate>
        <label>
          <span>{t('support.phone')}</span>
          <input type="tel" autocomplete="off" value={phone} placeholder="+4915112345678" onInput={(e) => edit(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>{t('support.lookupButton')}</button>
      </form>
      <ErrorNote error={error} />
      {sub ? (
        <div class="card" data-testid="subscriber">
          <dl class="kv">
            <div><dt>{t('support.number')}</dt><dd>{sub.phone_number}</dd></div>
            <div>
              <dt>{t('support.lock')}</dt>
              <dd data-testid="lock-state" class={sub.locked ? 'err' : 'ok'}>
                {sub.locked ? t('support.lockedUntil', { until: formatTime(lang, sub.locked_until) }) : t('support.notLocked')}
              </dd>
            </div>
            <div><dt>{t('support.failedChecks')}</dt><dd data-testid="failed-checks">{formatNumber(lang, sub.failed_checks)}</dd></div>
            <div><dt>{t('support.lockLevel')}</dt><dd>{formatNumber(lang, sub.lock_level)}</dd></div>
            <div><dt>{t('support.sendsToday')}</dt><dd data-testid="sends-today">{formatNumber(lang, sub.sends_today)}</dd></div>
          </dl>
          <TableScroll label={t('support.recent')}>
            <table data-testid="recent-verifications">
              <caption>{t('support.recent')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('support.created')}</th>
                  <th scope="col">{t('support.purpose')}</th>
                  <th scope="col">{t('support.status')}</th>
                  <th scope="col">{t('support.delivery')}</th>
                  <th scope="col">{t('support.id')}</th>
                </tr>
              </thead>
              <tbody>
                {(sub.recent_verifications ?? []).length ? sub.recent_verifications.map((v) => (
                  <tr key={v.id}>
                    <th scope="row">{formatTime(lang, v.created_at)}</th>
                    <td>{t(`purpose.${v.purpose}`)}</td>
                    <td>{t(`status.${v.status}`)}</td>
                    <td>{v.delivery_status ? t(`delivery.${v.delivery_status}`) : '–'}</td>
                    <td>
                      <button type="button" class="link" aria-label={t('support.showVerification', { id: v.id })} onClick={() => show(v.id)}>
                        <span class="mono">{v.id}</span>
                      </button>
                    </td>
                  </tr>
                )) : <tr><td colSpan={5}>{t('state.none')}</td></tr>}
              </tbody>
            </table>
          </TableScroll>
          {detail ? <VerificationDetail v={detail} onClose={() => setDetail(null)} /> : null}
          <form onSubmit={unlock} class="unlock" novalidate>
            <h3>{t('support.unlockTitle')}</h3>
            <label for="unlock-reason">{t('support.reason')}</label>
            <textarea
              id="unlock-reason"
              rows={2}
              maxLength={500}
              required
              aria-required="true"
              aria-invalid={reasonError ? 'true' : 'false'}
              aria-describedby={reasonError ? 'unlock-reason-error' : 'unlock-reason-help'}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value.replace(/[\r\n]+/g, ' '))}
            />
            <p id="unlock-reason-help" class="muted small">{t('support.reasonHelp')}</p>
            {reasonError ? <p id="unlock-reason-error" class="err" role="alert">{reasonError}</p> : null}
            <button type="submit" disabled={busy}>{t('support.unlock')}</button>
          </form>
          {notice ? <p role="status" class="ok" data-testid="unlock-notice">{notice}</p> : null}
        </div>
      ) : null}
    </section>
  );
}

function CallerCheck() {
  const { t, lang, api, brand, me } = useApp();
  const [phone, setPhone] = useState('');
  const [reason, setReason] = useState('');
  const [verification, setVerification] = useState(null);
  const [code, setCode] = useState('');
  const [outcome, setOutcome] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const start = async (e) => {
    e.preventDefault();
    setError(null);
    setOutcome(null);
    const p = normalisePhone(phone);
    if (!isE164(p)) {
      setError({ kind: 'other', message: t('support.phoneInvalid') });
      return;
    }
    if (!reason.trim()) {
      setError({ kind: 'other', message: t('support.reasonRequired') });
      return;
    }
    setBusy(true);
    try {
      const body = { phone_number: p, purpose: 'support_call', reason: reason.trim() };
      if (me.brand === '*') body.brand = brand;
      const r = await api.post('/v1/verifications', body, { idempotent: true });
      setVerification(r.data);
      setCode('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const check = async (e) => {
    e.preventDefault();
    setError(null);
    const c = code.trim();
    if (!c) {
      setError({ kind: 'other', message: t('call.codeRequired') });
      return;
    }
    setBusy(true);
    try {
      const r = await api.post(`/v1/verifications/${seg(verification.id)}/check`, { code: c }, { idempotent: true });
      setVerification(r.data);
      setOutcome(checkOutcome(null));
    } catch (err) {
      const o = checkOutcome(err);
      if (o) {
        setOutcome(o);
        if (err.body?.verification) setVerification(err.body.verification);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post(`/v1/verifications/${seg(verification.id)}/resend`, {}, { idempotent: true });
      setVerification(r.data);
      setOutcome({ state: 'resent' });
    } catch (err) {
      if (err.body?.verification) setVerification(err.body.verification);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    try {
      const r = await api.post(`/v1/verifications/${seg(verification.id)}/cancel`, {}, { idempotent: true });
      setVerification(r.data);
      setOutcome({ state: 'cancelled' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setVerification(null);
    setOutcome(null);
    setCode('');
    setError(null);
  };

  const pending = verification?.status === 'pending';
  return (
    <section aria-labelledby="call-h">
      <h2 id="call-h">{t('call.title')}</h2>
      <p class="muted">{t('call.intro')}</p>
      {!verification ? (
        <form onSubmit={start} novalidate>
          <label for="call-phone">{t('call.phone')}</label>
          <input id="call-phone" type="tel" autocomplete="off" value={phone} placeholder="+4915112345678" onInput={(e) => setPhone(e.currentTarget.value)} />
          <label for="call-reason">{t('call.reason')}</label>
          <input id="call-reason" type="text" maxLength={500} aria-required="true" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>{t('call.start')}</button>
        </form>
      ) : (
        <div class="card" data-testid="caller-check">
          <dl class="kv">
            <div><dt>{t('support.number')}</dt><dd>{verification.phone_number}</dd></div>
            <div><dt>{t('support.status')}</dt><dd data-testid="call-status">{t(`status.${verification.status}`)}</dd></div>
            <div><dt>{t('call.expires')}</dt><dd>{formatTime(lang, verification.expires_at)}</dd></div>
            <div><dt>{t('call.attemptsLeft')}</dt><dd data-testid="attempts-left">{formatNumber(lang, verification.attempts_left)}</dd></div>
          </dl>
          {pending ? (
            <form onSubmit={check} class="row" novalidate>
              <label>
                <span>{t('call.code')}</span>
                <input type="text" inputMode="text" autocomplete="off" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
              </label>
              <button type="submit" disabled={busy}>{t('call.check')}</button>
              <button type="button" disabled={busy} onClick={resend}>{t('call.resend')}</button>
              <button type="button" disabled={busy} onClick={cancel}>{t('call.cancel')}</button>
            </form>
          ) : null}
          <Outcome outcome={outcome} t={t} />
          <button type="button" onClick={reset}>{t('call.new')}</button>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function Outcome({ outcome, t }) {
  if (!outcome) return null;
  const text = {
    confirmed: t('call.confirmed'),
    wrong: t('call.wrong', { n: outcome.left ?? '?' }),
    failed: t('call.failed'),
    expired: t('call.expired'),
    blocked: t('call.blocked'),
    cancelled: t('call.cancelled'),
    resent: t('call.resent'),
    not_pending: t('call.notPending', { status: outcome.status ? t(`status.${outcome.status}`) : '?' }),
  }[outcome.state];
  const good = outcome.state === 'confirmed' || outcome.state === 'resent';
  return (
    <p role="alert" class={`outcome ${good ? 'ok' : 'err'}`} data-testid="call-outcome" data-state={outcome.state}>
      {text}
    </p>
  );
}

// One verification as GET /v1/verifications/{id} returns it; order and metadata are the shop's
// values and shown as text.
function VerificationDetail({ v, onClose }) {
  const { t, lang } = useApp();
  const meta = Object.entries(v.metadata ?? {});
  return (
    <div class="card" data-testid="verification-detail" role="group" aria-label={t('support.verification', { id: v.id })}>
      <h3>{t('support.verification', { id: v.id })}</h3>
      <dl class="kv">
        <div><dt>{t('support.status')}</dt><dd>{t(`status.${v.status}`)}</dd></div>
        <div><dt>{t('support.purpose')}</dt><dd>{t(`purpose.${v.purpose}`)}</dd></div>
        <div><dt>{t('support.created')}</dt><dd>{formatTime(lang, v.created_at)}</dd></div>
        <div><dt>{t('call.expires')}</dt><dd>{formatTime(lang, v.expires_at)}</dd></div>
        <div><dt>{t('call.attemptsLeft')}</dt><dd>{formatNumber(lang, v.attempts_left)}</dd></div>
        <div><dt>{t('support.sendsLeft')}</dt><dd>{formatNumber(lang, v.sends_left)}</dd></div>
        <div>
          <dt>{t('support.delivery')}</dt>
          <dd>{v.delivery?.status ? t(`delivery.${v.delivery.status}`) : '–'}{v.delivery?.gateway ? ` (${v.delivery.gateway})` : ''}</dd>
        </div>
        <div><dt>{t('support.locale')}</dt><dd>{v.locale ?? '–'}</dd></div>
      </dl>
      {v.order ? (
        <>
          <h4>{t('support.order')}</h4>
          <dl class="details" data-testid="verification-order">
            {['id', 'amount', 'currency', 'payee'].filter((k) => v.order[k] !== undefined && v.order[k] !== null).map((k) => (
              <div key={k}><dt>{t(`order.${k}`)}</dt><dd>{String(v.order[k])}</dd></div>
            ))}
          </dl>
        </>
      ) : null}
      <h4>{t('support.metadata')}</h4>
      {meta.length ? (
        <dl class="details" data-testid="verification-metadata">
          {meta.map(([k, val]) => (
            <div key={k}><dt>{k}</dt><dd>{String(val)}</dd></div>
          ))}
        </dl>
      ) : <p class="muted">{t('state.none')}</p>}
      <button type="button" onClick={onClose}>{t('action.close')}</button>
    </div>
  );
}
