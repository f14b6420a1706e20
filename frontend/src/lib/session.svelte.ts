/**
 * Who is signed in, shared by every page. Loaded once at start and after
 * signing in or out; the CSRF token it brings is handed to the API client.
 */
import { api, setCSRFToken, type Profile, type Schemas } from './api/client';
import { setLocale, isLocale } from './i18n';

type Provider = Schemas['AuthProviderInfo'];

class Session {
	loaded = $state(false);
	user = $state<Profile | null>(null);
	providers = $state<Provider[]>([]);

	get role(): string {
		return this.user?.role ?? 'anonymous';
	}

	get isModerator(): boolean {
		return this.role === 'moderator' || this.role === 'admin';
	}

	get isAdmin(): boolean {
		return this.role === 'admin';
	}

	get mayHoldTokens(): boolean {
		return this.role === 'consumer' || this.role === 'admin';
	}

	/** Reloads the session from the server. */
	async refresh(): Promise<void> {
		const { data } = await api.GET('/api/v1/auth/session');
		this.user = data?.user ?? null;
		this.providers = data?.providers ?? [];
		setCSRFToken(data?.csrf_token);
		if (this.user && isLocale(this.user.locale) && !this.loaded) setLocale(this.user.locale, false);
		this.loaded = true;
	}

	/** Applies a successful sign-in answer. */
	signedIn(info: Schemas['AuthSessionInfo']): void {
		this.user = info.user ?? null;
		setCSRFToken(info.csrf_token);
		if (this.user && isLocale(this.user.locale)) setLocale(this.user.locale, false);
	}

	/** Signs out; ProConnect sessions continue to the provider's logout page. */
	async signOut(): Promise<string | undefined> {
		const { data } = await api.POST('/api/v1/auth/logout');
		this.user = null;
		setCSRFToken('');
		return data?.redirect_url || undefined;
	}
}

export const session = new Session();
