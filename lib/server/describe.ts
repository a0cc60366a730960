// Gathers the `describe` control operation's answer (description.ts has its shape). Cost: O(clients)
// + O(references held) + O(objects on the asked page); a page holds at most 10,000 objects.
import { readFileSync } from 'node:fs';
import createDebug from 'debug';
import { ValueError } from '../errors.js';
import type { Address } from '../connection/address.js';
import type { ObjectEntry, ObjectTable } from './objectTable.js';
import type { LimitSettings } from './limits.js';
import type { DescribedSession, ServerStats } from './stats.js';
import { objectDetails, referentName, type OwnerIds } from './objectDetails.js';
import {
  DESCRIBE_MAX_OBJECTS,
  DESCRIPTION_VERSION,
  type ClientInfo,
  type DescribeOptions,
  type ObjectInfo,
  type ServerDescription,
  type ServerInfo,
} from './description.js';

const log = createDebug('mpmanagers:server');

/** What describe reads from the server. */
export interface DescribeSource {
  readonly table: ObjectTable;
  readonly sessions: ReadonlySet<DescribedSession>;
  readonly stats: ServerStats;
  readonly limits: LimitSettings;
  readonly address: Address | undefined;
  readonly maxFrameSize: number;
  readonly handshakeTimeout: number;
  readonly tls: boolean;
}

export function describeServer(source: DescribeSource, options: DescribeOptions = {}): ServerDescription {
  const { offset, limit } = pageOf(options);
  const ownerId: OwnerIds = (owner) => source.stats.client(owner)?.id ?? null;
  const objects = options.objects === false ? [] : describeObjects(source, offset, limit, ownerId);
  const total = source.table.entries.size;
  const next = offset + limit;
  return {
    version: DESCRIPTION_VERSION,
    server: describeHost(source),
    objects,
    objectsTotal: total,
    nextObjectsOffset: options.objects !== false && next < total ? next : null,
    clients: options.clients === false ? [] : describeClients(source),
  };
}

function pageOf(options: DescribeOptions): { offset: number; limit: number } {
  const offset = options.objectsOffset ?? 0;
  const limit = options.objectsLimit ?? DESCRIBE_MAX_OBJECTS;
  if (!Number.isInteger(offset) || offset < 0) throw new ValueError(`objectsOffset must be an integer >= 0, not ${offset}`);
  if (!Number.isInteger(limit) || limit < 1 || limit > DESCRIBE_MAX_OBJECTS) {
    throw new ValueError(`objectsLimit must be an integer from 1 to ${DESCRIBE_MAX_OBJECTS}, not ${limit}`);
  }
  return { offset, limit };
}

function describeHost(source: DescribeSource): ServerInfo {
  const { stats, limits } = source;
  const now = Date.now();
  const totals = stats.totals();
  const memory = process.memoryUsage();
  let inFlight = 0;
  for (const session of source.sessions) inFlight += session.inFlight;
  return {
    packageVersion: packageVersion(),
    address: source.address ?? null,
    pid: process.pid,
    uptime: (now - stats.startedAt) / 1000,
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
    connections: source.sessions.size,
    calls: totals.calls,
    callsPerSecond: {
      last1s: stats.callsPerSecond(1, now, totals.calls),
      last10s: stats.callsPerSecond(10, now, totals.calls),
      last60s: stats.callsPerSecond(60, now, totals.calls),
    },
    inFlight,
    bytesIn: totals.bytesIn,
    bytesOut: totals.bytesOut,
    tls: source.tls,
    limits: {
      maxConnections: finiteOrNull(limits.maxConnections),
      maxInFlight: finiteOrNull(limits.maxInFlight),
      maxObjectsPerConnection: finiteOrNull(limits.maxObjectsPerConnection),
      idleTimeout: limits.idleTimeoutMs === null ? null : limits.idleTimeoutMs / 1000,
      maxFrameSize: source.maxFrameSize,
      handshakeTimeout: source.handshakeTimeout,
    },
  };
}

function describeObjects(source: DescribeSource, offset: number, limit: number, ownerId: OwnerIds): ObjectInfo[] {
  const page: ObjectEntry[] = [];
  let index = 0;
  for (const entry of source.table.entries.values()) {
    if (index++ < offset) continue;
    page.push(entry);
    if (page.length >= limit) break;
  }
  // Who holds what, for this page only: one pass over the references held.
  const refs = new Map<string, Array<{ client: number; count: number }>>();
  for (const entry of page) refs.set(entry.id, []);
  for (const [owner, held] of source.table.referencesByOwner()) {
    const client = source.stats.client(owner)?.id;
    if (client === undefined) continue;
    if (held.size < refs.size) {
      for (const [id, count] of held) refs.get(id)?.push({ client, count });
    } else {
      for (const [id, list] of refs) {
        const count = held.get(id);
        if (count !== undefined) list.push({ client, count });
      }
    }
  }
  const now = Date.now();
  return page.map((entry) => {
    const origin = source.stats.origin(entry);
    const info: ObjectInfo = {
      id: entry.id,
      typeid: entry.typeid,
      kind: entry.kind,
      referent: referentName(entry),
      refs: refs.get(entry.id)!,
      internalRefs: entry.internalRefs,
      createdBy: origin?.createdBy ?? null,
      age: origin === undefined ? 0 : (now - origin.createdAt) / 1000,
    };
    try {
      const details = objectDetails(entry, ownerId);
      if (details !== undefined) info.details = details;
    } catch (err) {
      // A referent whose size cannot be read (a user class's __len__ that throws) is shown without.
      log('describe: no details for object %s: %O', entry.id, err);
    }
    return info;
  });
}

function describeClients(source: DescribeSource): ClientInfo[] {
  const refs = source.table.referencesByOwner();
  const clients: ClientInfo[] = [];
  for (const session of source.sessions) {
    const record = source.stats.client(session);
    if (record === undefined) continue;
    clients.push({
      id: record.id,
      peer: session.label,
      connectedSince: record.connectedSince,
      calls: session.requestsReceived,
      inFlight: session.inFlight,
      objectsHeld: refs.get(session)?.size ?? 0,
      bytesIn: session.bytesIn,
      bytesOut: session.bytesOut,
      tls: record.tls,
    });
  }
  return clients;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

let cachedVersion: string | undefined;

/** package.json's version, read once. */
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? 'unknown';
    } catch (err) {
      log('describe: cannot read package.json: %O', err);
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}
