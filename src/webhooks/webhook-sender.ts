import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookTargetPolicy } from './webhook-targets.js';

export interface WebhookSenderOptions {
  readonly policy: WebhookTargetPolicy;
  /** Attempts after the first one (default 4). */
  readonly retries?: number;
  /** Delay before the first retry, doubled for each next one (default 500 ms). */
  readonly backoffMs?: number;
  /** Per attempt (default 10 s). */
  readonly timeoutMs?: number;
}

/** What happened to one delivery. */
export interface DeliveryResult {
  readonly delivered: boolean;
  readonly attempts: number;
  /** HTTP status of the last attempt, when one answered. */
  readonly status?: number;
  readonly error?: string;
}

/** Header carrying `sha256=<hex HMAC of timestamp + "." + body>` when a secret is set. */
export const SIGNATURE_HEADER = 'x-puente-signature';
export const TIMESTAMP_HEADER = 'x-puente-timestamp';
export const DELIVERY_HEADER = 'x-puente-delivery';

/** The signature a receiver recomputes to check a delivery: HMAC-SHA256 over `timestamp.body`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Posts JSON events to allowed hosts only: signed with the subscriber's secret, retried with
 * exponential backoff on network errors, 429 and 5xx (never on other 4xx), redirects not
 * followed (a redirect could lead to a host the allowlist refuses).
 */
export class WebhookSender {
  readonly #policy: WebhookTargetPolicy;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;

  constructor(options: WebhookSenderOptions) {
    this.#policy = options.policy;
    this.#retries = options.retries ?? 4;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Throws unless the target may be called (for checking a subscription when it is created). */
  checkTarget(url: string): void {
    this.#policy.check(url);
  }

  async send(url: string, event: unknown, secret?: string): Promise<DeliveryResult> {
    const target = this.#policy.check(url);
    const body = JSON.stringify(event);
    const delivery = randomUUID();
    let last: DeliveryResult = { delivered: false, attempts: 0 };
    for (let attempt = 1; attempt <= this.#retries + 1; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [DELIVERY_HEADER]: delivery };
      if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
      try {
        const res = await fetch(target, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(this.#timeoutMs) });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) return { delivered: true, attempts: attempt, status: res.status };
        last = { delivered: false, attempts: attempt, status: res.status, error: `HTTP ${res.status}` };
        if (res.status !== 429 && res.status < 500) return last;
      } catch (err) {
        last = { delivered: false, attempts: attempt, error: (err as Error).message };
      }
      if (attempt <= this.#retries) await new Promise((r) => setTimeout(r, this.#backoffMs * 2 ** (attempt - 1)));
    }
    return last;
  }
}
