// The key layout: every key of one object shares the hash tag `{<objectId>}`, so a Lua script can
// touch all of them on one Cluster node. An object id names its type: `<typeid>:~<random>` for an
// anonymous object, `<typeid>:=<name>` for a named one. See docs/redis.md.
import { randomBytes } from 'node:crypto';
import { ValueError } from '../errors.js';

/** The five keys every script of an object receives, in this order (KEYS[1..5] in Lua). */
export const KEY_SUFFIXES = ['m', 'd', 'r', 'a', 'i'] as const;

export function anonymousId(typeid: string): string {
  // 96 random bits, base64url: short keys are cheaper on every command.
  return `${typeid}:~${randomBytes(12).toString('base64url')}`;
}

export function namedId(typeid: string, name: string): string {
  if (typeof name !== 'string' || name === '' || /[{}]/.test(name)) {
    throw new ValueError(`a Redis object name is a non-empty string without braces, not ${JSON.stringify(name)}`);
  }
  return `${typeid}:=${name}`;
}

export function typeidOf(id: string): string {
  const colon = id.indexOf(':');
  return colon < 0 ? id : id.slice(0, colon);
}

export function isAnonymous(id: string): boolean {
  return id.includes(':~');
}

/** meta, data, refs, aux, inner: the keys of object `id` under `prefix`. */
export function objectKeys(prefix: string, id: string): string[] {
  return KEY_SUFFIXES.map((suffix) => `${prefix}:{${id}}:${suffix}`);
}

/** The pub/sub channel on which the object's state changes are announced. */
export function eventChannel(prefix: string, id: string): string {
  return `${prefix}:{${id}}:ev`;
}
