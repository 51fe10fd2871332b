// The shell: sign-in, the header (key, roles, brand switcher, language, sign-out), the menu
// of the views the key's roles open, hash routing, the idle sign-out and the 503 banner.

import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AppContext } from './context.js';
import { createApi, brandList } from './api.js';
import { translate, pickLanguage, LANGUAGES } from './lib/i18n.js';
import { canUseConsole, viewsFor, resolveRoute } from './lib/roles.js';
import { createIdleTimer } from './lib/idle.js';
import * as session from './session.js';
import { catalogues } from './i18n/index.js';
import { ErrorNote } from './components.jsx';
import { SignIn } from './views/SignIn.jsx';
import { Dashboard } from './views/Dashboard.jsx';
import { Templates } from './views/Templates.jsx';
import { Support } from './views/Support.jsx';
import { Audit } from './views/Audit.jsx';

const VIEW_COMPONENTS = { dashboard: Dashboard, templates: Templates, support: Support, audit: Audit };
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'];

function useHash() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function App() {
  const [lang, setLang] = useState(
    () => session.loadLang() ?? pickLanguage(navigator.languages ?? [navigator.language]),
  );
  const t = useCallback((key, params) => translate(catalogues, lang, key, params), [lang]);
  const keyRef = useRef(session.loadKey());
  const [me, setMe] = useState(null);
  const [brands, setBrands] = useState([]);
  const [brand, setBrand] = useState(null);
  const [signInNote, setSignInNote] = useState(null);
  const [restoring, setRestoring] = useState(Boolean(keyRef.current));
  const [retry, setRetry] = useState(null);
  const hash = useHash();

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const signOut = useCallback((note) => {
    keyRef.current = null;
    session.clearSession();
    setMe(null);
    setBrands([]);
    setBrand(null);
    setSignInNote(note ?? null);
    setRetry(null);
  }, []);

  const api = useMemo(
    () =>
      createApi({
        getKey: () => keyRef.current,
        onUnauthenticated: () => signOut('signin.expired'),
        onRetry: setRetry,
      }),
    [signOut],
  );

  // Signs in with a key: GET /v1/me decides (throws the ApiError on failure).
  const signIn = useCallback(
    async (key) => {
      const r = await api.get('/v1/me', { key });
      const who = r.data;
      if (!canUseConsole(who.roles)) {
        const e = new Error('shop key');
        e.consoleRefused = true;
        throw e;
      }
      let list = [];
      try {
        list = brandList((await api.get('/v1/brands', { key })).data);
      } catch (e) {
        if (e.status === 401) throw e;
        list = [];
      }
      keyRef.current = key;
      session.saveKey(key);
      const stored = session.loadBrand();
      const chosen =
        who.brand !== '*'
          ? who.brand
          : list.some((b) => b.id === stored)
            ? stored
            : list[0]?.id ?? null;
      setBrands(list);
      setBrand(chosen);
      setMe(who);
      setSignInNote(null);
    },
    [api],
  );

  // A reload of the tab: sign in again with the key sessionStorage kept.
  useEffect(() => {
    if (!keyRef.current) return;
    signIn(keyRef.current)
      .catch((e) => {
        if (e.consoleRefused) signOut('signin.refused');
        else if (e.status === 401) signOut('signin.expired');
        else signOut('signin.restoreFailed');
      })
      .finally(() => setRestoring(false));
  }, []);

  // Idle sign-out after 15 minutes without input.
  useEffect(() => {
    if (!me) return undefined;
    const timer = createIdleTimer({ onIdle: () => signOut('signin.idle') });
    const touch = () => timer.touch();
    const visible = () => document.visibilityState === 'visible' && timer.check();
    ACTIVITY_EVENTS.forEach((ev) => window.addEventListener(ev, touch, { passive: true }));
    document.addEventListener('visibilitychange', visible);
    return () => {
      timer.stop();
      ACTIVITY_EVENTS.forEach((ev) => window.removeEventListener(ev, touch));
      document.removeEventListener('visibilitychange', visible);
    };
  }, [me, signOut]);

  const changeLang = (l) => {
    setLang(l);
    session.saveLang(l);
  };
  const changeBrand = (b) => {
    setBrand(b);
    session.saveBrand(b);
  };

  const ctx = { t, lang, api, me, brand, brands };
  const banner = retry ? (
    <div class="banner" role="status" data-testid="retry-banner">
      {t('error.unavailableRetrying', { seconds: Math.ceil(retry.waitMs / 1000) })}
    </div>
  ) : null;

  if (!me) {
    return (
      <AppContext.Provider value={ctx}>
        <LanguageBar lang={lang} onChange={changeLang} />
        {banner}
        {restoring ? null : <SignIn onSignIn={signIn} note={signInNote} />}
      </AppContext.Provider>
    );
  }

  const views = viewsFor(me.roles);
  const route = resolveRoute(hash, me.roles);
  // The address shows the view shown (a route this key may not open was replaced).
  if (window.location.hash !== `#/${route}`) window.history.replaceState(null, '', `#/${route}`);
  const View = VIEW_COMPONENTS[route];
  const brandName = brands.find((b) => b.id === brand)?.display_name ?? brand;

  return (
    <AppContext.Provider value={ctx}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t('nav.skip')}
      </a>
      <header class="top">
        <div class="brandline">
          <span class="product">{t('app.title')}</span>
          {me.brand === '*' ? (
            <label class="inline">
              <span>{t('header.brand')}</span>
              <select value={brand ?? ''} onChange={(e) => changeBrand(e.currentTarget.value)}>
                {brands.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.display_name} ({b.id})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span class="brand" data-testid="brand">{brandName}</span>
          )}
        </div>
        <div class="who" data-testid="who">
          <span>
            {t('header.key')}: <strong data-testid="key-id">{me.key_id}</strong>
          </span>
          <span>
            {t('header.roles')}: <span data-testid="roles">{me.roles.map((r) => t(`role.${r}`)).join(', ')}</span>
          </span>
          <span>
            {t('header.keyBrand')}: <span data-testid="key-brand">{me.brand === '*' ? t('header.allBrands') : me.brand}</span>
          </span>
        </div>
        <div class="actions">
          <LanguageSelect lang={lang} onChange={changeLang} />
          <button type="button" onClick={() => signOut('signin.signedOut')}>
            {t('header.signOut')}
          </button>
        </div>
      </header>
      <nav aria-label={t('nav.label')}>
        <ul>
          {views.map((v) => (
            <li key={v}>
              <a href={`#/${v}`} aria-current={v === route ? 'page' : undefined}>
                {t(`nav.${v}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {banner}
      <main id="main" tabIndex={-1}>
        {brand ? (
          <View key={`${route}:${brand}`} />
        ) : (
          <ErrorNote error={{ kind: 'other', message: t('header.noBrand') }} />
        )}
      </main>
    </AppContext.Provider>
  );
}

function LanguageSelect({ lang, onChange }) {
  const { t } = { t: (k) => translate(catalogues, lang, k) };
  return (
    <label class="inline">
      <span>{t('header.language')}</span>
      <select value={lang} onChange={(e) => onChange(e.currentTarget.value)}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {translate(catalogues, l, 'language.name')}
          </option>
        ))}
      </select>
    </label>
  );
}

function LanguageBar({ lang, onChange }) {
  return (
    <header class="top signin-top">
      <span class="product">{translate(catalogues, lang, 'app.title')}</span>
      <div class="actions">
        <LanguageSelect lang={lang} onChange={onChange} />
      </div>
    </header>
  );
}
