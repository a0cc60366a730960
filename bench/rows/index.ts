// The rows of the table, in its order. `--only=<id>,...` selects by these ids.
import { aggregateRow } from './aggregate.js';
import { binaryRow } from './binary.js';
import { connectRow, createProxyRow } from './connect.js';
import { inflightRow, lockRow, sequentialRow } from './dict.js';
import { latencyUnderLoadRow } from './latency.js';
import { dictMemoryRow, idleClientsRow } from './memory.js';
import { queueRow } from './queue.js';
import { redisInflightRow, redisQueueRow, redisSequentialRow } from './redis.js';
import { rowOrderRow } from './rowOrder.js';
import { serverScalingRow } from './serverScaling.js';
import { dashboardRow } from './dashboard.js';
import { startupRow } from './startup.js';
import { pickleRow } from './pickle.js';
import type { Row } from './common.js';

export const ROWS: Row[] = [
  sequentialRow,
  inflightRow,
  aggregateRow,
  serverScalingRow,
  queueRow,
  lockRow,
  connectRow,
  createProxyRow,
  binaryRow,
  latencyUnderLoadRow,
  rowOrderRow,
  dictMemoryRow,
  idleClientsRow,
  dashboardRow,
  startupRow,
  redisSequentialRow,
  redisInflightRow,
  redisQueueRow,
  pickleRow,
];
