/** Something that happened in Puente that other modules may react to (alerts, deployments, data). */
export interface PuenteEvent {
  /** Dotted type, e.g. `alert.firing`, `deployment.rolled_back`, `dataset.version_added`. */
  readonly type: string;
  /** ISO time of the event. */
  readonly at: string;
  /** What it is about, e.g. a deployment or model name. */
  readonly subject?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type EventHandler = (event: PuenteEvent) => void | Promise<void>;

/**
 * In-process publish/subscribe. Subscribers name a type or a prefix pattern (`alert.*`, `*`).
 * Publishing never waits for subscribers and never fails because of them: a throwing or
 * rejecting handler is reported through `onError`, so one broken listener cannot stop a
 * deployment or an alert from going on.
 */
export class EventBus {
  readonly #subscribers = new Set<{ pattern: string; handler: EventHandler }>();
  readonly #onError: (err: unknown, event: PuenteEvent) => void;

  constructor(options: { onError?: (err: unknown, event: PuenteEvent) => void } = {}) {
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Calls `handler` for every later event whose type matches; returns the unsubscribe function. */
  subscribe(pattern: string, handler: EventHandler): () => void {
    const entry = { pattern, handler };
    this.#subscribers.add(entry);
    return () => this.#subscribers.delete(entry);
  }

  /** Publishes an event (time filled in when absent) to every matching subscriber, asynchronously. */
  publish(event: Omit<PuenteEvent, 'at'> & { at?: string }): PuenteEvent {
    const full: PuenteEvent = { ...event, at: event.at ?? new Date().toISOString() };
    for (const { pattern, handler } of this.#subscribers) {
      if (!matches(pattern, full.type)) continue;
      queueMicrotask(() => {
        try {
          const result = handler(full);
          if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch((err) => this.#onError(err, full));
        } catch (err) {
          this.#onError(err, full);
        }
      });
    }
    return full;
  }
}

function matches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}
