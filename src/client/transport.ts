import { PuenteApiError, PuenteUnreachableError } from './errors.js';

/** Connection settings of a client. */
export interface ClientOptions {
  /** e.g. http://127.0.0.1:5050 */
  readonly baseUrl: string;
  /** API token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Sends requests and turns answers into values or typed errors. Free of Node-only imports. */
export class Transport {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}), ...extra };
  }

  /** Sends one request; JSON in, JSON (or nothing) out. */
  async json<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const res = await this.raw(method, this.url(path, options.query), {
      headers: this.headers(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Sends one request and checks its status; the caller reads the body. */
  async raw(method: string, url: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(url, { method, ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string>) } });
    } catch (err) {
      throw new PuenteUnreachableError(this.baseUrl, err);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }
}

async function toApiError(res: Response): Promise<PuenteApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    return new PuenteApiError(res.status, body.error_code ?? `HTTP_${res.status}`, body.message ?? text);
  } catch {
    return new PuenteApiError(res.status, `HTTP_${res.status}`, text || res.statusText);
  }
}
