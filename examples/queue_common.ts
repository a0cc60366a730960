// What the three programs of the distributed producer/consumer trio share (queue_server.ts,
// queue_producer.ts, queue_consumer.ts): the manager class, the message shapes, the address and the
// authkey. Clients register the typeids with their proxy types only; the server adds the callables.
import { BaseManager, BaseProxy, QueueProxy, ConditionProxy, ValueProxy, type Address } from '../lib/index.js';

/** How many tasks the producer delivers. */
export const TASK_COUNT = 20;

export interface Task {
  id: number;
  n: number;
}

export interface Result {
  id: number;
  n: number;
  doubled: number;
}

/** The client side of the server's `get_double` service: `double(n)` runs in the server process. */
export class DoublerProxy extends BaseProxy {
  static override readonly _exposed_ = ['double'];

  double(n: number): Promise<number> {
    return this._callMethod('double', [n]);
  }
}

export class TrioManager extends BaseManager {
  declare get_task_queue: () => Promise<QueueProxy<Task>>;
  declare get_result_queue: () => Promise<QueueProxy<Result>>;
  declare get_condition: () => Promise<ConditionProxy>;
  /** How many tasks the consumers have finished. */
  declare get_done: () => Promise<ValueProxy<number>>;
  declare get_double: () => Promise<DoublerProxy>;
}

TrioManager.register('get_task_queue', { proxytype: QueueProxy });
TrioManager.register('get_result_queue', { proxytype: QueueProxy });
TrioManager.register('get_condition', { proxytype: ConditionProxy });
TrioManager.register('get_done', { proxytype: ValueProxy });
TrioManager.register('get_double', { proxytype: DoublerProxy });

/**
 * What the trio speaks: $TRIO_SERIALIZER, 'msgpack' (default) or 'pickle' (CPython's protocol, so
 * that the Python producer and consumer in examples/python/ can join; `npm run demo:python`).
 */
export const TRIO_SERIALIZER: 'msgpack' | 'pickle' = process.env.TRIO_SERIALIZER === 'pickle' ? 'pickle' : 'msgpack';

/** The shared secret: $TRIO_AUTHKEY, default 'trio-secret'. */
export const TRIO_AUTHKEY = process.env.TRIO_AUTHKEY ?? 'trio-secret';

/**
 * The server's address: the first argument (`port` or `host:port`), else $TRIO_ADDRESS
 * (`host:port`), else 127.0.0.1:50000. Port 0 lets the server pick a free port.
 */
export function trioAddress(argument = process.argv[2] ?? process.env.TRIO_ADDRESS): Address {
  if (argument === undefined || argument === '') return ['127.0.0.1', 50000];
  const colon = argument.lastIndexOf(':');
  const host = colon < 0 ? '127.0.0.1' : argument.slice(0, colon);
  const port = Number(colon < 0 ? argument : argument.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`not a port: ${argument}`);
  return [host, port];
}

/**
 * A connected client of the trio's server; with $TRIO_REDIS_URL set, the same objects as named
 * objects in Redis instead (no server process: see queue_redis.ts and `npm run demo:redis`).
 */
export async function connectTrio(): Promise<TrioManager> {
  if (process.env.TRIO_REDIS_URL) return (await import('./queue_redis.js')).connectRedisTrio(process.env.TRIO_REDIS_URL);
  const manager = new TrioManager({ address: trioAddress(), authkey: TRIO_AUTHKEY, serializer: TRIO_SERIALIZER });
  await manager.connect();
  return manager;
}
