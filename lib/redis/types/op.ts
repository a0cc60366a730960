// The shape of one type's operations: a method (by its wire name, as the proxies call it) run
// against one object in Redis.
import type { ObjectHandle, RedisStore } from '../store.js';
import type { Family } from '../store.js';

export interface OpContext {
  store: RedisStore;
  h: ObjectHandle;
  signal: AbortSignal | undefined;
}

export type Op = (ctx: OpContext, args: unknown[], kwargs: Record<string, unknown> | null) => Promise<unknown>;

/** A family of types: its scripts, its operations, and how `create` lays out a new object. */
export interface TypeFamily extends Family {
  ops: Record<string, Op>;
}

/** What `create` writes: meta fields, and the initial data as a list or hash (flat field, value...). */
export interface Layout {
  fields?: Record<string, string | number>;
  list?: Buffer[];
  hash?: (string | Buffer)[];
  value?: Buffer;
  /** Anonymous objects referred to inside the initial data: pinned to the new object once made. */
  stored?: string[];
}
