import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { ErrorNote } from '../components.jsx';

/** Sign-in with an API key; `note` is why the last session ended (a catalogue key). */
export function SignIn({ onSignIn, note }) {
  const { t } = useApp();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const k = key.trim();
    if (!k) {
      setError({ kind: 'other', message: t('signin.empty') });
      return;
    }
    setBusy(true);
    try {
      await onSignIn(k);
    } catch (err) {
      if (err.consoleRefused) setError({ kind: 'other', message: t('signin.refused') });
      else if (err.status === 401) setError({ ...err, message: t('signin.unknownKey') });
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <h1>{t('signin.title')}</h1>
      <p>{t('signin.intro')}</p>
      {note ? (
        <p class="note" role="status" data-testid="signin-note">
          {t(note)}
        </p>
      ) : null}
      <form onSubmit={submit} novalidate>
        <label for="api-key">{t('signin.key')}</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" class="muted">
          {t('signin.keyHelp')}
        </p>
        <button type="submit" disabled={busy}>
          {t('signin.submit')}
        </button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
