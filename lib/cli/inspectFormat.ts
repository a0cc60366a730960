// `mpmanagers inspect`'s tables: a server description as aligned plain-text columns (padding by hand,
// no table library: the columns are few and fixed, and a dependency would buy nothing but borders).
// Every value from the server is untrusted: control characters are replaced before printing, so a
// typeid or peer name cannot move the cursor or recolour the terminal.
import type { ClientInfo, ObjectDetails, ObjectInfo, OwnerId, ServerDescription } from '../server/description.js';
import { formatAddress } from '../connection/address.js';

export type InspectView = 'all' | 'objects' | 'clients' | 'queues';

export interface FormatOptions {
  view: InspectView;
  /** Most object rows printed; the rest are counted in one line. */
  maxObjects: number;
  /** Epoch ms "now", for durations (tests pass a fixed one). */
  now?: number;
}

export function formatDescription(d: ServerDescription, options: FormatOptions): string {
  const parts: string[] = [];
  if (options.view === 'all') parts.push(formatServer(d));
  if (options.view === 'all' || options.view === 'objects') parts.push(formatObjects(d, options.maxObjects));
  if (options.view === 'queues') parts.push(formatQueues(d, options.maxObjects));
  if (options.view === 'all' || options.view === 'clients') parts.push(formatClients(d.clients, options.now ?? Date.now()));
  return `${parts.join('\n\n')}\n`;
}

export function formatServer(d: ServerDescription): string {
  const s = d.server;
  const where = s.address === null ? '(not listening)' : formatAddress(s.address);
  const rates = s.callsPerSecond;
  return [
    `server ${clean(where)}  pid ${s.pid}  up ${duration(s.uptime)}  mpmanagers ${clean(s.packageVersion)}${s.tls ? '  TLS' : ''}`,
    `connections ${s.connections}  calls ${s.calls} (${rate(rates.last1s)} 1s, ${rate(rates.last10s)} 10s, ${rate(rates.last60s)} 60s)  in flight ${s.inFlight}`,
    `bytes in ${bytes(s.bytesIn)}  out ${bytes(s.bytesOut)}  rss ${bytes(s.memory.rss)}  heap ${bytes(s.memory.heapUsed)}/${bytes(s.memory.heapTotal)}  objects ${d.objectsTotal}`,
  ].join('\n');
}

export function formatObjects(d: ServerDescription, maxObjects: number): string {
  const rows = d.objects.slice(0, maxObjects).map((o) => [
    o.id,
    o.typeid,
    o.referent,
    String(o.refs.reduce((n, r) => n + r.count, 0) + o.internalRefs),
    o.refs.map((r) => `#${r.client}`).join(' ') || '-',
    o.createdBy === null ? '-' : `#${o.createdBy}`,
    duration(o.age),
    state(o.details),
  ]);
  const table = formatTable(['ID', 'TYPEID', 'REFERENT', 'REFS', 'HELD BY', 'MADE BY', 'AGE', 'STATE'], rows);
  return `${table}${more(d, rows.length)}`;
}

export function formatQueues(d: ServerDescription, maxObjects: number): string {
  const queues = d.objects.filter((o): o is ObjectInfo & { details: Extract<ObjectDetails, { type: 'queue' }> } => o.details?.type === 'queue');
  const rows = queues.slice(0, maxObjects).map((o) => [
    o.id,
    o.typeid,
    String(o.details.size),
    o.details.maxsize > 0 ? String(o.details.maxsize) : '∞',
    String(o.details.waitingGetters),
    String(o.details.waitingPutters),
    String(o.details.unfinishedTasks),
  ]);
  const hidden = queues.length - rows.length;
  return formatTable(['ID', 'TYPEID', 'SIZE', 'MAXSIZE', 'GETTERS', 'PUTTERS', 'UNFINISHED'], rows) + (hidden > 0 ? `\n… ${hidden} more queues` : '');
}

export function formatClients(clients: ClientInfo[], now: number): string {
  const rows = clients.map((c) => [
    `#${c.id}`,
    c.peer,
    duration((now - c.connectedSince) / 1000),
    String(c.calls),
    String(c.inFlight),
    String(c.objectsHeld),
    bytes(c.bytesIn),
    bytes(c.bytesOut),
    c.tls ? 'yes' : 'no',
  ]);
  return formatTable(['CLIENT', 'PEER', 'CONNECTED', 'CALLS', 'IN FLIGHT', 'OBJECTS', 'IN', 'OUT', 'TLS'], rows);
}

/** Left-aligned columns two spaces apart; every cell cleaned of control characters. */
export function formatTable(header: string[], rows: string[][]): string {
  const cells = [header, ...rows.map((row) => row.map(clean))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  const lines = cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]))).join('  '));
  return rows.length === 0 ? `${lines[0]}\n(none)` : lines.join('\n');
}

/** One short phrase per kind: what an operator looks at first. */
export function state(details: ObjectDetails | undefined): string {
  if (details === undefined) return '';
  switch (details.type) {
    case 'queue':
      return (
        `size ${details.size}${details.maxsize > 0 ? `/${details.maxsize}` : ''}` +
        waiting(details.waitingGetters, 'getter') +
        waiting(details.waitingPutters, 'putter') +
        (details.unfinishedTasks > 0 ? `, ${details.unfinishedTasks} unfinished` : '')
      );
    case 'lock':
      return details.locked ? `held by ${owner(details.holder)}${details.level > 1 ? ` ×${details.level}` : ''}${waiters(details.waiting, details.waiters)}` : 'free';
    case 'semaphore':
      return `value ${details.value}${details.holders.length > 0 ? `, held by ${details.holders.map((h) => `${owner(h.client)}×${h.units}`).join(' ')}` : ''}${waiters(details.waiting, details.waiters)}`;
    case 'condition':
      return `${details.locked ? `lock held by ${owner(details.holder)}` : 'lock free'}${waiters(details.waiting, details.waiters)}`;
    case 'event':
      return `${details.set ? 'set' : 'clear'}${waiting(details.waiting, 'waiter')}`;
    case 'barrier':
      return `${details.waiting}/${details.parties} waiting${details.broken ? ', broken' : ''}`;
    case 'sized':
      return `len ${details.length}`;
    case 'pool':
      return `${details.processes} workers, ${details.state}, ${details.tasksPending} tasks running or queued, ${details.itemsDone}/${details.itemsSubmitted} map items done`;
  }
}

function more(d: ServerDescription, shown: number): string {
  const hidden = d.objectsTotal - shown;
  return hidden > 0 ? `\n… ${hidden} more objects (--limit N, or --json for all)` : '';
}

function waiting(n: number, what: string): string {
  return n > 0 ? `, ${n} ${what}${n === 1 ? '' : 's'} waiting` : '';
}

function waiters(n: number, ids: OwnerId[]): string {
  return n > 0 ? `, ${n} waiting (${ids.map(owner).join(' ')}${n > ids.length ? ' …' : ''})` : '';
}

function owner(id: OwnerId): string {
  return id === null ? 'server' : `#${id}`;
}

/** Control characters (C0, DEL, C1) become '?': terminal escapes from the server are never printed. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function clean(text: string): string {
  return text.replace(CONTROL, '?');
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function rate(perSecond: number): string {
  return `${perSecond.toFixed(perSecond < 10 ? 1 : 0)}/s`;
}
