// The child's side of a Redis proxy passed to a Process: the parent sent its RedisManager's options
// (functions left out) with the proxy, over IPC; the child connects a RedisManager of its own with
// them, and the proxy is rebuilt on it holding its own lease.
import { ManagerError } from '../errors.js';
import { RedisManager } from './manager.js';
import type { RedisManagerOptions } from './options.js';

export interface RedisShare {
  kind: 'redis';
  options: RedisManagerOptions;
}

export async function openShared(share: unknown): Promise<RedisManager> {
  const s = share as RedisShare;
  if (typeof s !== 'object' || s === null || s.kind !== 'redis') throw new ManagerError(`unknown backend in a shared proxy: ${JSON.stringify(share)}`);
  const manager = new RedisManager(s.options);
  await manager.connect();
  return manager;
}
