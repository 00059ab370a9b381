import { ARTIFACT_BACKENDS, type DialectUnderTest } from '../helpers/backends.js';
import { TrackingService } from '../../src/tracking/index.js';
import type { PuenteDb } from '../../src/db/index.js';

/** A tracking service on a fresh store of one dialect. */
export interface TrackingFixture {
  readonly tracking: TrackingService;
  readonly db: PuenteDb;
  close(): Promise<void>;
}

/** Opens a fresh store and a local artifact area, and builds the service on them. */
export async function openTracking(dialect: DialectUnderTest): Promise<TrackingFixture> {
  const { db, cleanup } = await dialect.open();
  const art = await ARTIFACT_BACKENDS[0].open();
  return {
    tracking: new TrackingService({ db, artifacts: art.store }),
    db,
    async close() {
      await cleanup();
      await art.cleanup();
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; field?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; field?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
