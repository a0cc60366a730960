// The manager class both ends of the mpmanagers measurements use: SyncManager plus the singletons
// the CPython server registers too (bench/python/bench_server.py), under the same typeids.
import { DictProxy, Queue, QueueProxy, SyncManager } from '../../lib/index.js';

/** Server-side singletons: every client of a job reaches the same objects, as in CPython's server. */
const sharedDict = new Map<unknown, unknown>();
const blobs = new Map<unknown, unknown>();
const bigDict = new Map<unknown, unknown>();
const sharedQueue = new Queue<unknown>();

export class BenchManager extends SyncManager {
  declare get_dict: () => Promise<DictProxy<string, unknown>>;
  declare get_blobs: () => Promise<DictProxy<string, Uint8Array>>;
  declare get_big_dict: () => Promise<DictProxy<number, string>>;
  declare get_queue: () => Promise<QueueProxy<number>>;
}

BenchManager.register('get_dict', { callable: () => sharedDict, proxytype: DictProxy });
BenchManager.register('get_blobs', { callable: () => blobs, proxytype: DictProxy });
BenchManager.register('get_big_dict', { callable: () => bigDict, proxytype: DictProxy });
BenchManager.register('get_queue', { callable: () => sharedQueue, proxytype: QueueProxy });
