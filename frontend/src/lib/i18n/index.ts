/**
 * Translations: French by default, English available. Every user-facing
 * string goes through `$_('key')`; the messages live in fr.json and en.json,
 * and a unit test fails when a key exists in one language only.
 */
import { addMessages, init, locale } from 'svelte-i18n';
import fr from './fr.json';
import en from './en.json';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = 'piaf.locale';

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The locale to start with: the user's last choice, else French. */
export function initialLocale(stored: string | null): Locale {
	return isLocale(stored) ? stored : 'fr';
}

let started = false;

/** Registers the catalogues and picks the starting locale (idempotent). */
export function setupI18n(): void {
	if (started) return;
	started = true;
	addMessages('fr', fr);
	addMessages('en', en);
	let stored: string | null = null;
	try {
		stored = localStorage.getItem(STORAGE_KEY);
	} catch {
		// Private browsing may forbid storage: French it is.
	}
	const start = initialLocale(stored);
	init({ fallbackLocale: 'fr', initialLocale: start });
	applyDocumentLang(start);
}

/**
 * Switches the interface language and remembers the choice (remember=false
 * when following the signed-in user's saved preference).
 */
export function setLocale(next: Locale, remember = true): void {
	locale.set(next);
	applyDocumentLang(next);
	if (!remember) return;
	try {
		localStorage.setItem(STORAGE_KEY, next);
	} catch {
		// Not remembered; still switched for this visit.
	}
}

function applyDocumentLang(l: Locale): void {
	if (typeof document !== 'undefined') document.documentElement.lang = l;
}
