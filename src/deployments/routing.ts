import type { Deployment, VersionSlot } from './types.js';

/*
 * Which version answers a request. With a request key (a user or visitor id), the choice is a
 * hash of deployment name and key, so one key always reaches the same version, on every replica
 * and after restarts. Challenger slots take the lowest buckets: when a canary's weight grows
 * from 10 to 50, every key that was in the canary stays there.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units: small, fast, and the same everywhere. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so that keys differing in their last characters spread evenly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Buckets of the split: weights are percents with up to two decimals. */
const BUCKETS = 10_000;

/** Live slots in bucket order: challengers first, the stable version last. */
export function liveOrder(deployment: Deployment): VersionSlot[] {
  const live = deployment.spec.versions.filter((s) => s.weight > 0);
  return [...live.filter((s) => s.role !== 'stable'), ...live.filter((s) => s.role === 'stable')];
}

/** The slot a bucket in [0, 10000) falls in. */
function slotForBucket(order: readonly VersionSlot[], bucket: number): VersionSlot {
  let upper = 0;
  for (const s of order) {
    upper += Math.round(s.weight * (BUCKETS / 100));
    if (bucket < upper) return s;
  }
  return order[order.length - 1]!;
}

/** The bucket of a request key in a deployment. */
export function bucketOf(deploymentName: string, key: string): number {
  return stableHash(`${deploymentName}\u0000${key}`) % BUCKETS;
}

/**
 * Picks the slot for a request: an explicit target (a role such as `green`, a version number,
 * or `model@version`) wins; then the key's bucket; else a random bucket.
 */
export function routeRequest(deployment: Deployment, order: readonly VersionSlot[], key: string | undefined, target: string | undefined): VersionSlot | null {
  if (target !== undefined && target !== '') return findTarget(deployment, target);
  const bucket = key !== undefined && key !== '' ? bucketOf(deployment.name, key) : Math.floor(Math.random() * BUCKETS);
  return slotForBucket(order, bucket);
}

/** The slot a target names, or null. */
export function findTarget(deployment: Deployment, target: string): VersionSlot | null {
  const slots = deployment.spec.versions;
  const byRole = slots.find((s) => s.role === target);
  if (byRole) return byRole;
  if (target === 'blue') return slots.find((s) => s.role === 'stable') ?? null;
  const at = target.lastIndexOf('@');
  if (at > 0) {
    const model = target.slice(0, at);
    const version = Number(target.slice(at + 1));
    return slots.find((s) => s.model === model && s.version === version) ?? null;
  }
  if (/^\d+$/.test(target)) {
    const matches = slots.filter((s) => s.version === Number(target));
    return matches.length === 1 ? matches[0]! : null;
  }
  return null;
}
