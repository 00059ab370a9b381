import { describe, expect, it } from 'vitest';
import { EventBus, type PuenteEvent } from '../../src/events/index.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('EventBus', () => {
  it('delivers events to exact and prefix subscribers only', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('alert.firing', (e) => void seen.push(`exact:${e.type}`));
    bus.subscribe('alert.*', (e) => void seen.push(`prefix:${e.type}`));
    bus.subscribe('*', (e) => void seen.push(`all:${e.type}`));
    bus.publish({ type: 'alert.firing', data: {} });
    bus.publish({ type: 'deployment.promoted', data: {} });
    await flush();
    expect(seen.sort()).toEqual(['all:alert.firing', 'all:deployment.promoted', 'exact:alert.firing', 'prefix:alert.firing']);
  });

  it('reports failing handlers without affecting others or the publisher', async () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onError: (err) => errors.push(err) });
    const got: PuenteEvent[] = [];
    bus.subscribe('x', () => { throw new Error('sync'); });
    bus.subscribe('x', async () => { throw new Error('async'); });
    bus.subscribe('x', (e) => void got.push(e));
    const published = bus.publish({ type: 'x', subject: 's', data: { a: 1 } });
    await flush();
    expect(got).toEqual([published]);
    expect(published.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async', 'sync']);
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new EventBus();
    let count = 0;
    const off = bus.subscribe('*', () => void count++);
    bus.publish({ type: 'a', data: {} });
    off();
    bus.publish({ type: 'b', data: {} });
    await flush();
    expect(count).toBe(1);
  });
});
