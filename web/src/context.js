import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** {t, lang, api, me, brand} for every view. */
export const AppContext = createContext(null);
export const useApp = () => useContext(AppContext);
