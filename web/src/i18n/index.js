import en from './en.js';
import de from './de.js';

export const catalogues = { en, de };
