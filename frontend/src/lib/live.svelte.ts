/**
 * The one live connection of the page: a websocket to /api/v1/live that
 * reconnects with backoff and jitter, resumes every topic from its last
 * sequence number, and tells components to reload by REST when the server
 * asks for a resync. Components subscribe with `live.subscribe(topic, fn)`.
 */

export type LiveEvent = {
	topic: string;
	seq: number;
	type: string;
	data: unknown;
};

type Handler = (event: LiveEvent) => void;

type Subscription = { lastSeq: number | null; handlers: Set<Handler>; ready: Set<() => void> };

export type LiveState = 'idle' | 'connecting' | 'open' | 'offline';

/** Delay before reconnection attempt n (0-based): exponential, capped, jittered. */
export function backoff(attempt: number, random: () => number = Math.random): number {
	const base = Math.min(30_000, 500 * 2 ** Math.min(attempt, 10));
	return Math.round(base / 2 + random() * (base / 2));
}

class LiveConnection {
	state = $state<LiveState>('idle');
	private ws: WebSocket | null = null;
	private subs = new Map<string, Subscription>();
	private attempt = 0;
	private timer: ReturnType<typeof setTimeout> | null = null;

	/**
	 * Follows a topic; returns the function that stops following it.
	 * onready runs each time the server confirms the subscription: a
	 * component that read the state by REST before can read it again then,
	 * so that nothing published in between is missed.
	 */
	subscribe(topic: string, handler: Handler, onready?: () => void): () => void {
		let sub = this.subs.get(topic);
		if (!sub) {
			sub = { lastSeq: null, handlers: new Set(), ready: new Set() };
			this.subs.set(topic, sub);
			this.send({ type: 'subscribe', topic });
		}
		sub.handlers.add(handler);
		if (onready) sub.ready.add(onready);
		this.ensureOpen();
		return () => {
			const s = this.subs.get(topic);
			if (!s) return;
			s.handlers.delete(handler);
			if (onready) s.ready.delete(onready);
			if (s.handlers.size === 0) {
				this.subs.delete(topic);
				this.send({ type: 'unsubscribe', topic });
			}
		};
	}

	/** Closes the connection (at sign-out). */
	close(): void {
		if (this.timer) clearTimeout(this.timer);
		this.subs.clear();
		this.ws?.close(1000);
		this.ws = null;
		this.state = 'idle';
	}

	private ensureOpen(): void {
		if (this.ws || this.timer || typeof WebSocket === 'undefined') return;
		this.connect();
	}

	private connect(): void {
		this.timer = null;
		this.state = this.attempt === 0 ? 'connecting' : 'offline';
		const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
		const ws = new WebSocket(`${proto}//${location.host}/api/v1/live`);
		this.ws = ws;
		ws.onopen = () => {
			this.attempt = 0;
			this.state = 'open';
			for (const [topic, sub] of this.subs) {
				const msg: Record<string, unknown> = { type: 'subscribe', topic };
				if (sub.lastSeq !== null) msg.last_seq = sub.lastSeq;
				ws.send(JSON.stringify(msg));
			}
		};
		ws.onmessage = (e) => this.receive(String(e.data));
		ws.onclose = () => {
			this.ws = null;
			if (this.subs.size === 0) {
				this.state = 'idle';
				return;
			}
			this.state = 'offline';
			this.timer = setTimeout(() => this.connect(), backoff(this.attempt++));
		};
	}

	private receive(raw: string): void {
		let msg: LiveEvent & { code?: string };
		try {
			msg = JSON.parse(raw);
		} catch {
			return;
		}
		const sub = this.subs.get(msg.topic);
		if (!sub) return;
		if (msg.type === 'subscribed') {
			if (sub.lastSeq === null) sub.lastSeq = msg.seq;
			for (const f of sub.ready) f();
			return;
		}
		if (msg.type === 'error') {
			for (const h of sub.handlers) h(msg);
			return;
		}
		if (msg.type === 'resync') {
			sub.lastSeq = msg.seq;
			for (const h of sub.handlers) h(msg);
			return;
		}
		if (sub.lastSeq !== null && msg.seq <= sub.lastSeq) return;
		sub.lastSeq = msg.seq;
		for (const h of sub.handlers) h(msg);
	}

	private send(msg: unknown): void {
		if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
	}
}

export const live = new LiveConnection();
