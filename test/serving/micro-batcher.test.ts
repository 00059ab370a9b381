import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MicroBatcher } from '../../src/serving/index.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('micro-batching', () => {
  it('answers a lone request at once, and batches what queues behind a running batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((x) => x * 2);
      },
    });
    const first = b.submit(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((x) => b.submit(x));
    await tick();
    expect(b.queued).toBe(3);
    release();
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never exceeds the row limit, except for one item larger than it', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number[], number>({
      run: (items) => {
        sizes.push(items.reduce((n, i) => n + i.length, 0));
        return items.map((i) => i.length);
      },
      maxBatchRows: 10,
      maxWaitMs: 5,
      sizeOf: (i) => i.length,
    });
    const results = await Promise.all([[1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], Array(25).fill(0), [1]].map((i) => b.submit(i)));
    expect(results).toEqual([3, 4, 4, 25, 1]);
    expect(sizes.every((s) => s <= 10 || s === 25)).toBe(true);
  });

  it('waits up to maxWaitMs for company when configured', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, number>({ run: (items) => (batches.push(items), items), maxWaitMs: 20 });
    const p = [b.submit(1)];
    await new Promise((r) => setTimeout(r, 5));
    p.push(b.submit(2));
    await Promise.all(p);
    expect(batches).toEqual([[1, 2]]);
  });

  it('fails every request of a failed batch, and keeps serving', async () => {
    let fail = true;
    const b = new MicroBatcher<number, number>({ run: (items) => (fail ? Promise.reject(new Error('model crashed')) : items) });
    await expect(b.submit(1)).rejects.toThrow('model crashed');
    fail = false;
    expect(await b.submit(2)).toBe(2);
  });

  it('gives every caller its own answer, in any interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 64 }), async (items, maxRows) => {
        const b = new MicroBatcher<number, string>({
          run: async (xs) => {
            await tick();
            return xs.map((x) => `r${x}`);
          },
          maxBatchRows: maxRows,
          sizeOf: (x) => x,
        });
        expect(await Promise.all(items.map((x) => b.submit(x)))).toEqual(items.map((x) => `r${x}`));
      }),
      { numRuns: 50 },
    );
  });
});
