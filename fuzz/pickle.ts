// The fuzzer's pickle mode (`fuzz/run.ts --pickle`): a server in pickle mode (CPython's protocol),
// in its own process, gets valid, mutated, truncated, random and hostile pickles (globals off the
// allowlist, huge lengths, deep nesting, memo abuse) on authenticated proxy connections. Every
// whole frame must be answered with a well-formed reply (a pickle server replies to each request,
// refusals as '#TRACEBACK'), within a deadline; afterwards a fresh client's calls must still work,
// and the attackers' connections must be gone. Exit code 1 on a crash, stall, bad reply or failure.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Connection } from '../lib/connection/connection.js';
import type { Address } from '../lib/connection/address.js';
import { readPickle, writePickle, tuple, PyByteArray } from '../lib/codec/pickle/index.js';
import { Random } from './random.js';

const REPLY_TIMEOUT_MS = 15_000;
const KINDS = ['valid', 'mutated', 'truncated', 'random', 'hostile'] as const;
type Kind = (typeof KINDS)[number];

export interface PickleFuzzOptions {
  frames: number;
  connections: number;
  seed: number;
}

export async function runPickleFuzz({ frames, connections, seed }: PickleFuzzOptions): Promise<boolean> {
  const authkey = randomBytes(16).toString('hex');
  const started = performance.now();
  console.log(`fuzz --pickle: ${frames} frames, ${connections} connections, seed ${seed}`);
  const server = startServer(authkey);
  const address = await server.ready;
  const counts = { frames: 0, replies: 0, closedByServer: 0, stalls: 0, badReplies: 0, byKind: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number> };

  const control = async (request: unknown): Promise<unknown> => {
    const conn = await Connection.connect(address, { authkey });
    try {
      return await exchange(conn, writePickle(request));
    } finally {
      conn.close();
    }
  };
  const created = (await control(tuple<unknown>(null, 'create', tuple('list'), {}))) as readonly unknown[];
  const listId = (created[1] as readonly unknown[])[0] as string;

  const root = new Random(seed);
  const perConnection = Math.ceil(frames / connections);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const random = root.fork();
      let sent = 0;
      while (sent < perConnection) {
        const conn = await Connection.connect(address, { authkey });
        await exchange(conn, writePickle(tuple<unknown>(null, 'accept_connection', tuple('fuzz'), {})));
        while (sent < perConnection && !conn.closed) {
          const kind = random.pick(KINDS);
          counts.byKind[kind]++;
          counts.frames++;
          sent++;
          let reply: unknown;
          try {
            reply = await exchange(conn, frameOf(kind, random, listId));
          } catch (error) {
            if (error instanceof StallError) counts.stalls++;
            else counts.closedByServer++;
            break;
          }
          counts.replies++;
          if (!Array.isArray(reply) || reply.length !== 2 || !['#RETURN', '#ERROR', '#TRACEBACK', '#PROXY', '#UNSERIALIZABLE'].includes(reply[0] as string)) {
            counts.badReplies++;
          }
        }
        conn.close();
      }
    }),
  );

  // A fresh client still gets right answers; the list holds what the valid appends put there.
  const conn = await Connection.connect(address, { authkey });
  await exchange(conn, writePickle(tuple<unknown>(null, 'accept_connection', tuple('check'), {})));
  const before = (await exchange(conn, writePickle(tuple<unknown>(listId, '__len__', tuple(), {})))) as unknown[];
  await exchange(conn, writePickle(tuple<unknown>(listId, 'append', tuple('last'), {})));
  const last = (await exchange(conn, writePickle(tuple<unknown>(listId, '__getitem__', tuple(-1), {})))) as unknown[];
  const after = (await exchange(conn, writePickle(tuple<unknown>(listId, '__len__', tuple(), {})))) as unknown[];
  conn.close();
  const memory = await server.memory();
  await control(tuple<unknown>(null, 'shutdown', tuple(), {}));
  const exit = await server.exited;

  const failures: string[] = [];
  if (exit !== 0) failures.push(`server exited with code ${exit}`);
  if (counts.stalls > 0) failures.push(`${counts.stalls} frames unanswered within ${REPLY_TIMEOUT_MS} ms`);
  if (counts.badReplies > 0) failures.push(`${counts.badReplies} malformed replies`);
  if (last[1] !== 'last' || (after[1] as number) !== (before[1] as number) + 1) failures.push(`wrong answers after fuzzing: ${String(last)} ${String(before)} ${String(after)}`);
  if (memory.connections > 2) failures.push(`${memory.connections} connections still open after the attackers left`);
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ seconds: Math.round(seconds), ...counts, maxLoopDelayMs: memory.maxLoopDelayMs, rssMb: Math.round(memory.memory.rss / 2 ** 20) }));
  console.log(failures.length === 0 ? 'fuzz --pickle: ok' : `fuzz --pickle FAILED:\n  ${failures.join('\n  ')}`);
  return failures.length === 0;
}

// ---- frames

function frameOf(kind: Kind, random: Random, listId: string): Uint8Array {
  switch (kind) {
    case 'valid':
      return validRequest(random, listId);
    case 'mutated': {
      const bytes = Buffer.from(validRequest(random, listId));
      for (let i = random.between(1, 4); i > 0; i--) bytes[random.below(bytes.length)] = random.below(256);
      return bytes;
    }
    case 'truncated': {
      const bytes = validRequest(random, listId);
      return bytes.subarray(0, random.below(bytes.length));
    }
    case 'random':
      return Buffer.concat([random.chance(0.5) ? Buffer.from([0x80, random.between(2, 5)]) : Buffer.alloc(0), random.bytes(random.below(200))]);
    case 'hostile':
      return random.pick(HOSTILE)(random);
  }
}

function validRequest(random: Random, listId: string): Uint8Array {
  const method = random.pick(['append', '__len__', '__getitem__', 'count', 'index', 'no_such', '#GETVALUE', '__repr__']);
  const id = random.chance(0.9) ? listId : random.pick(['ffff', '', '0']);
  const args = method === 'append' || method === 'count' || method === 'index' ? tuple(value(random, 3)) : method === '__getitem__' ? tuple(random.between(-3, 3)) : tuple();
  return writePickle(tuple<unknown>(id, method, args, random.chance(0.1) ? { timeout: 1 } : {}));
}

function value(random: Random, depth: number): unknown {
  const leaf = (): unknown =>
    random.pick<() => unknown>([
      () => null,
      () => random.chance(0.5),
      () => random.between(-1000, 1000),
      () => BigInt(random.between(0, 2 ** 30)) ** 3n,
      () => random.next(),
      () => random.bytes(random.below(8)).toString('latin1'),
      () => new Uint8Array(random.bytes(random.below(8))),
      () => new PyByteArray(random.bytes(random.below(4))),
    ])();
  if (depth === 0 || random.chance(0.5)) return leaf();
  const items = Array.from({ length: random.below(4) }, () => value(random, depth - 1));
  return random.pick<() => unknown>([() => items, () => tuple(...items), () => new Map(items.map((v, i) => [i, v])), () => new Set(items.filter((v) => typeof v !== 'object'))])();
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const str = (s: string): Buffer => Buffer.concat([Buffer.from([0x8c, s.length]), Buffer.from(s)]);

/** Pickles a careless or hostile peer might send. */
const HOSTILE: ReadonlyArray<(random: Random) => Uint8Array> = [
  // os.system('true') through STACK_GLOBAL + REDUCE.
  () => Buffer.concat([hex('8004'), str('posix'), str('system'), hex('93'), str('true'), hex('85 52 2e')]),
  // The same through protocol 2's GLOBAL opcode, and builtins.eval.
  () => Buffer.concat([hex('8002 63'), Buffer.from('builtins\neval\n'), str('1'), hex('85 52 2e')]),
  // A str, bytes, LONG4 and BINUNICODE8 announcing far more than the frame holds.
  () => hex('8004 58 ffffff7f 2e'),
  () => hex('8004 8e ffffffffffffffff 2e'),
  () => hex('8004 8b ffffff7f'),
  () => hex('8004 8d 0000000000000001'),
  // Deep nesting: 100,000 nested lists.
  () => Buffer.concat([hex('8004'), Buffer.alloc(100_000, 0x5d), Buffer.alloc(99_999, 0x61), hex('2e')]),
  // Memo abuse: a put at index 2^32-1, then a get of an index never set.
  () => hex('8004 4e 72 ffffffff 6a feffffff 2e'),
  // 200,000 MARKs.
  (random) => Buffer.concat([hex('8004'), Buffer.alloc(random.between(1000, 200_000), 0x28), hex('4e 2e')]),
  // A Token called with REDUCE, a RebuildProxy of a made-up class, BUILD on a list.
  () => Buffer.concat([hex('8004'), str('multiprocessing.managers'), str('Token'), hex('93 29 52 2e')]),
  () => Buffer.concat([hex('8004'), str('multiprocessing.managers'), str('RebuildProxy'), hex('93'), str('x'), str('y'), hex('93 29 29 87 52 2e')]),
  () => hex('8004 5d 7d 62 2e'),
  // A range of 10^12 items.
  () => Buffer.concat([hex('8004'), str('builtins'), str('range'), hex('93 4b00 8a 06 0010a5d4e800 4b01 87 52 2e')]),
];

// ---- plumbing

class StallError extends Error {}

/** Sends one frame and resolves with the decoded reply; rejects if the connection closes first. */
function exchange(conn: Connection, payload: Uint8Array): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new StallError('no reply')), REPLY_TIMEOUT_MS);
    conn.onFrame = (frame) => {
      clearTimeout(timer);
      try {
        resolve(readPickle(frame, { fromWire: (ref) => ref }));
      } catch (error) {
        resolve(error); // counted as a malformed reply by the caller
      }
    };
    conn.onClose = () => {
      clearTimeout(timer);
      reject(new Error('closed by the server'));
    };
    if (!conn.send(payload)) {
      clearTimeout(timer);
      reject(new Error('closed'));
    }
  });
}

interface ServerProcess {
  ready: Promise<Address>;
  exited: Promise<number | null>;
  memory(): Promise<{ memory: NodeJS.MemoryUsage; connections: number; maxLoopDelayMs: number }>;
}

function startServer(authkey: string): ServerProcess {
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [JSON.stringify({ handshakeTimeout: 1, serializer: 'pickle' })], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, MPM_FUZZ_AUTHKEY: authkey },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const ready = new Promise<Address>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(JSON.parse(line.slice('listening '.length)) as Address);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    ready,
    exited,
    memory: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { memory: NodeJS.MemoryUsage; connections: number; maxLoopDelayMs: number }));
        child.send({ type: 'memory' });
      }),
  };
}
