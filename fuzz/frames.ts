// What the fuzzer throws at the server, frame by frame. Written from docs/protocol.md: messages are
// built with the plain msgpack library (plus the library's own Codec when extension types are
// wanted), so anything can be sent, well-formed or not.
import { encode } from '@msgpack/msgpack';
import { Codec } from '../lib/codec/codec.js';
import { Slice } from '../lib/codec/slice.js';
import type { WireRef } from '../lib/protocol.js';
import type { Random } from './random.js';

/** One frame on the wire (header included), and whether the server is expected to hang up on it. */
export interface FuzzFrame {
  bytes: Buffer;
  /** A malformed frame or message: the server closes the connection (or may). */
  fatal: boolean;
  kind: FrameKind;
}

export type FrameKind =
  | 'request' // well-formed request: random object, method, arguments (a typed error or a value comes back)
  | 'control' // well-formed control operation (create, incref, decref, get_methods, ...)
  | 'cancel-ping' // Cancel, Ping, Pong with random ids
  | 'malformed' // valid msgpack that is not a valid message
  | 'mutated' // a valid message with bytes flipped, inserted, deleted or cut
  | 'random' // random bytes as a payload
  | 'framing' // a bad header: negative, oversized, or the 64-bit escape
  | 'amplification'; // a small request for a huge result, or a message that decodes to millions of objects (issue 10)

/** Object ids the fuzzer must never name (the healthy client's), so that its checks stay meaningful. */
export class ProtectedIds {
  private readonly ids = new Set<string>();
  private patterns: Buffer[] = [];

  add(id: string): void {
    this.ids.add(id);
    const raw = Buffer.from(id);
    // Every msgpack encoding of the string: fixstr, str8, str16, str32.
    this.patterns.push(
      Buffer.concat([Buffer.from([0xa0 | raw.length]), raw]),
      Buffer.concat([Buffer.from([0xd9, raw.length]), raw]),
      Buffer.concat([Buffer.from([0xda, 0, raw.length]), raw]),
      Buffer.concat([Buffer.from([0xdb, 0, 0, 0, raw.length]), raw]),
    );
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Whether these bytes could name a protected id anywhere. */
  mentionedIn(bytes: Buffer): boolean {
    return this.patterns.some((pattern) => bytes.includes(pattern));
  }
}

/** Typeids the fuzzer creates. `Pool` is left out on purpose: it starts workers and imports a module by path. */
const TYPEIDS = ['list', 'dict', 'Namespace', 'Value', 'Array', 'Queue', 'JoinableQueue', 'Lock', 'RLock', 'Semaphore',
  'BoundedSemaphore', 'Condition', 'Event', 'Barrier', 'Iterator', 'AsyncResult', 'Pool?', 'no-such-type', ''];

const METHODS = [
  // lists, dicts, namespaces, values, arrays
  'append', 'extend', 'insert', 'pop', 'remove', 'index', 'count', 'reverse', 'sort', 'clear', 'copy', '__getitem__',
  '__setitem__', '__delitem__', '__len__', '__contains__', '__iadd__', '__imul__', '__add__', '__mul__', '__rmul__',
  '__reversed__', 'get', 'set', 'keys', 'values', 'items', 'popitem', 'setdefault', 'update', 'has_key', '__iter__',
  '__next__', '__getattribute__', '__setattr__', '__delattr__',
  // queues and synchronization
  'put', 'put_nowait', 'get_nowait', 'qsize', 'empty', 'full', 'task_done', 'join', 'acquire', 'release', 'wait',
  'wait_for', 'notify', 'notify_all', 'is_set', 'abort', 'reset', 'parties', 'n_waiting', 'broken', 'locked',
  // fallbacks, and names that must never be callable
  '#GETVALUE', '__str__', '__repr__', 'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty',
  '__defineGetter__', '__lookupGetter__', 'then', '_private', '_referent', 'referent', 'target', '', 'x'.repeat(300),
];

const CONTROL = ['create', 'incref', 'decref', 'get_methods', 'debug_info', 'number_of_objects', 'dummy', 'no_such_op'];

/** Builds frames for one fuzzing connection. */
export class FrameFactory {
  /** Ids of objects this connection created (parsed from its replies), to aim requests at. */
  readonly knownIds: string[] = [];
  private nextRequestId = 1;
  private refsAllowed = true;
  private readonly codec = new Codec({ toWire: (v) => (v instanceof FakeRef ? v.ref : undefined), fromWire: (r) => r });

  constructor(
    private readonly rng: Random,
    private readonly protectedIds: ProtectedIds,
  ) {}

  /** A request id for a fuzz request; marker ids (from 2^33, see peer.ts) are never produced here. */
  requestId(): number {
    return this.rng.chance(0.05) ? this.rng.pick([0, -1, 2 ** 53 - 1, 2 ** 31, this.nextRequestId]) : this.nextRequestId++;
  }

  /**
   * One frame an authenticated connection may send; `fatalShare` of them are expected to kill it,
   * `amplifyShare` are amplification attempts (some of them fatal too).
   */
  authenticated(fatalShare: number, amplifyShare = 0): FuzzFrame {
    if (this.rng.chance(amplifyShare)) return this.amplification();
    if (this.rng.chance(fatalShare)) return this.fatal();
    const roll = this.rng.next();
    if (roll < 0.6) return this.frame(this.request(), 'request');
    if (roll < 0.9) return this.frame(this.control(), 'control');
    return this.frame(this.rng.pick([[2, this.requestId()], [3, this.rng.below(2 ** 32)], [4, this.value(2)], [3]]), 'cancel-ping');
  }

  /** A frame that breaks the protocol (the server should close the connection, and only it). */
  fatal(): FuzzFrame {
    const roll = this.rng.next();
    if (roll < 0.45) return this.mutated();
    if (roll < 0.7) return { bytes: withHeader(this.malformed()), fatal: true, kind: 'malformed' };
    if (roll < 0.9) return { bytes: withHeader(this.rng.bytes(this.rng.below(200))), fatal: true, kind: 'random' };
    return { bytes: this.badHeader(), fatal: true, kind: 'framing' };
  }

  /**
   * What issue 10 found amplified: a few bytes asking for gigabytes (list * n, list *= n, Array of
   * millions, a long string turned into characters), and messages of megabytes that decode to
   * millions of objects (empty maps, arrays, Sets, bins, forged references), which close the connection.
   */
  amplification(): FuzzFrame {
    const roll = this.rng.next();
    const id = this.objectId() ?? '1' + 'f'.repeat(12);
    if (roll < 0.15) {
      const items = Array.from({ length: this.rng.between(1, 4) }, () => 'x'.repeat(this.rng.pick([16, 1024, 65536])));
      return this.frame([0, this.requestId(), null, 'create', ['list', items], null], 'amplification');
    }
    if (roll < 0.45) {
      const count = this.rng.pick([2 ** 10, 2 ** 16, 2 ** 18, 2 ** 20, 2 ** 24, 2 ** 30, 2 ** 31]);
      return this.frame([0, this.requestId(), id, this.rng.pick(['__mul__', '__rmul__', '__imul__']), [count], null], 'amplification');
    }
    if (roll < 0.6) {
      const text = 'y'.repeat(this.rng.between(2 ** 20 + 1, 3 * 2 ** 20));
      return this.frame([0, this.requestId(), id, this.rng.pick(['extend', '__iadd__']), [text], null], 'amplification');
    }
    if (roll < 0.75) {
      const args = ['Array', this.rng.pick(['c', 'd', 'u', 'B']), this.rng.pick([2 ** 20, 2 ** 22, 2 ** 30])];
      return this.frame([0, this.requestId(), null, 'create', args, null], 'amplification');
    }
    const item = this.rng.pick([[0x80], [0x90], [0x81, 0xa0, 0x80], [0xd4, 0x04, 0x90], [0xc4, 0x00], [...this.codec.encode(new FakeRef(this.refTo(id)))]]);
    const count = Math.min(this.rng.between(2 ** 20, 2 ** 22), Math.floor((8 * 2 ** 20) / item.length));
    const head = Buffer.from(encode([0, this.requestId(), id, 'append']));
    head[0] = 0x96; // six elements: the args array and kwargs follow
    const array = Buffer.allocUnsafe(5 + count * item.length);
    array[0] = 0xdd;
    array.writeUInt32BE(count, 1);
    for (let i = 0; i < count; i++) array.set(item, 5 + i * item.length);
    return { bytes: withHeader(Buffer.concat([head, Buffer.from([0x91]), array, Buffer.from([0xc0])])), fatal: true, kind: 'amplification' };
  }

  /** The reply to a marker request is how the fuzzer knows every frame before it was processed. */
  marker(id: number): Buffer {
    return withHeader(Buffer.from(encode([0, id, null, 'dummy', [], null])));
  }

  private frame(message: unknown, kind: FrameKind): FuzzFrame {
    return { bytes: withHeader(this.encodeMessage(message)), fatal: false, kind };
  }

  private encodeMessage(message: unknown): Buffer {
    return Buffer.from(this.codec.encode(message));
  }

  private objectId(): string | null {
    const roll = this.rng.next();
    let id: string;
    if (roll < 0.6 && this.knownIds.length > 0) id = this.rng.pick(this.knownIds);
    else if (roll < 0.9) id = this.rng.between(1, 4096).toString(16);
    else id = this.rng.pick(['', '0', '-1', 'ffffffffffff', '__proto__', 'constructor', '1'.repeat(100)]);
    return this.protectedIds.has(id) ? null : id;
  }

  private request(): unknown[] {
    const id = this.objectId();
    const method = this.rng.pick(METHODS);
    // References put into a Queue stay there out of the cycle collector's sight (a deliberate
    // limitation, see SECURITY.md): keep them out, so that the leak check stays exact.
    this.refsAllowed = method !== 'put' && method !== 'put_nowait';
    const args = Array.from({ length: this.rng.below(4) }, () => this.value(3));
    this.refsAllowed = true;
    const kwargs = this.rng.chance(0.1) ? { [this.rng.pick(['timeout', 'block', 'reverse', 'key', '__proto__'])]: this.value(1) } : null;
    return [0, this.requestId(), id ?? '1' + 'f'.repeat(12), method, args, kwargs];
  }

  private control(): unknown[] {
    const op = this.rng.pick(CONTROL);
    let args: unknown[];
    if (op === 'create') {
      args = [this.rng.pick(TYPEIDS).replace('Pool?', 'Pool-not-allowed'), ...Array.from({ length: this.rng.below(3) }, () => this.value(2))];
    } else if (op === 'incref' || op === 'decref' || op === 'get_methods') {
      args = [this.rng.chance(0.9) ? (this.objectId() ?? 'none') : this.value(1)];
    } else {
      args = [];
    }
    return [0, this.requestId(), null, op, args, null];
  }

  /** A random value: plain msgpack types, the protocol's extension types, and awkward edge cases. */
  private value(depth: number): unknown {
    const roll = this.rng.below(depth > 0 ? 22 : 14);
    switch (roll) {
      case 0: return null;
      case 1: return this.rng.chance(0.5);
      case 2: return this.rng.between(-1000, 1000);
      case 3: return this.rng.pick([0, -1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 63), 1e308, -0, Infinity, NaN, 1e6, 3e7]);
      case 4: return this.rng.next() * 1e6;
      case 5: return this.rng.pick(['', 'i', 'd', 'b', 'c', 'u', 'q', 'x', 'é', '\u0000', 'a'.repeat(this.rng.below(2000))]);
      case 6: return this.rng.bytes(this.rng.below(64));
      case 7: return BigInt(this.rng.between(-(2 ** 30), 2 ** 30)) ** BigInt(this.rng.between(1, 6));
      case 8: return new Date(this.rng.below(2 ** 42));
      case 9: return new Slice(this.smallInt(), this.smallInt(), this.rng.chance(0.2) ? 0 : this.smallInt());
      case 10: return this.rng.pick(['timeout', 'block', '__proto__', 'constructor', 'prototype', 'toString']);
      case 11: return this.rng.below(5) - 2;
      case 12: return this.refsAllowed ? new FakeRef(this.refTo(this.objectId() ?? 'none')) : null;
      case 13: return Object.assign(new Error('fuzz'), { code: this.rng.below(10) });
      case 14:
      case 15: return Array.from({ length: this.rng.below(5) }, () => this.value(depth - 1));
      case 16: return Object.fromEntries(Array.from({ length: this.rng.below(4) }, () => [String(this.value(0)), this.value(depth - 1)]));
      case 17: return new Map(Array.from({ length: this.rng.below(4) }, () => [this.value(0), this.value(depth - 1)]));
      case 18: return new Set(Array.from({ length: this.rng.below(4) }, () => this.value(0)));
      case 19: return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
      case 20: return [this.value(depth - 1), this.value(depth - 1)];
      default: return { k: this.value(depth - 1) };
    }
  }

  private smallInt(): number | null {
    return this.rng.chance(0.2) ? null : this.rng.between(-10, 10);
  }

  private refTo(id: string): WireRef {
    return { typeid: this.rng.pick(TYPEIDS), address: this.rng.chance(0.5) ? ['127.0.0.1', this.rng.below(65536)] : undefined, id };
  }

  /** Well-formed msgpack that is not a valid message. */
  private malformed(): Buffer {
    const shapes: unknown[] = [
      { not: 'an array' }, 'a string', 42, null, [], [99, 1], [-1], [0], [0, 'id', null, 'dummy', [], null],
      [0, 1, 5, 'dummy', [], null], [0, 1, null, 5, [], null], [0, 1, null, 'dummy', 'args', null], [0, 1, null, 'dummy', [], []],
      [0, 1, null, 'dummy', [], null, 'extra'], [1, 1, 0, null], [0, 2 ** 60, null, 'dummy', [], null],
    ];
    if (this.rng.chance(0.2)) {
      // A raw map with a __proto__ key, built by hand (encode() never writes one).
      return Buffer.concat([Buffer.from([0x96, 0x00, 0x01, 0xc0]), Buffer.from(encode('append')), Buffer.from([0x91, 0x81]),
        Buffer.from(encode('__proto__')), Buffer.from([0x81]), Buffer.from(encode('polluted')), Buffer.from([0xc3, 0xc0])]);
    }
    if (this.rng.chance(0.2)) return deepNesting(this.rng.between(90, 5000));
    if (this.rng.chance(0.2)) return lyingLength(this.rng);
    return Buffer.from(encode(this.rng.pick(shapes)));
  }

  /** A valid message with a few bytes changed; never one that could name a protected id. */
  private mutated(): FuzzFrame {
    for (;;) {
      let bytes: Buffer = this.encodeMessage(this.rng.chance(0.5) ? this.request() : this.control());
      const edits = this.rng.between(1, 4);
      for (let i = 0; i < edits; i++) bytes = mutate(this.rng, bytes);
      if (!this.protectedIds.mentionedIn(bytes)) return { bytes: withHeader(bytes), fatal: true, kind: 'mutated' };
    }
  }

  private badHeader(): Buffer {
    const header = Buffer.alloc(4);
    header.writeInt32BE(this.rng.pick([-1, -2, -(2 ** 31), 2 ** 31 - 1, 64 * 1024 * 1024 + 1, 0x40000000]));
    return Buffer.concat([header, this.rng.bytes(this.rng.below(32))]);
  }
}

/** A stand-in for a proxy, so that the Codec writes a REF extension. */
class FakeRef {
  constructor(readonly ref: WireRef) {}
}

/** Frames the handshake phase: what an unauthenticated peer may send instead of a proper answer. */
export function preauthFrames(rng: Random): { bytes: Buffer; afterAnswer: boolean }[] {
  const frame = (payload: Buffer): Buffer => withHeader(payload);
  const choices: (() => { bytes: Buffer; afterAnswer: boolean }[])[] = [
    () => [{ bytes: frame(rng.bytes(rng.below(257))), afterAnswer: false }],
    () => [{ bytes: frame(Buffer.concat([Buffer.from('{sha256}'), rng.bytes(32)])), afterAnswer: false }],
    () => [{ bytes: frame(rng.bytes(16)), afterAnswer: false }], // a legacy MD5-sized answer
    () => [{ bytes: frame(Buffer.concat([Buffer.from('{md5}'), rng.bytes(16)])), afterAnswer: false }],
    () => [{ bytes: frame(Buffer.from('#CHALLENGE#{sha256}' + 'x'.repeat(40))), afterAnswer: false }],
    () => [{ bytes: headerOnly(rng.between(257, 2 ** 31 - 1)), afterAnswer: false }],
    () => [{ bytes: headerOnly(-rng.between(1, 2 ** 31)), afterAnswer: false }],
    () => [{ bytes: rng.bytes(rng.below(3) + 1), afterAnswer: false }], // part of a header, then nothing
    // A correct answer, then a bad challenge of ours.
    () => [{ bytes: frame(Buffer.concat([Buffer.from('#CHALLENGE#'), rng.pick([Buffer.from('{sha1}'), Buffer.from('{'), Buffer.from('{sha256}'),
      Buffer.from('{' + 'x'.repeat(20) + '}'), Buffer.alloc(0)]), rng.bytes(rng.below(60))])), afterAnswer: true }],
    () => [{ bytes: frame(rng.bytes(rng.below(300))), afterAnswer: true }],
    // A correct answer and a valid challenge, then a garbage verdict.
    () => [{ bytes: frame(Buffer.concat([Buffer.from('#CHALLENGE#{sha256}'), rng.bytes(40)])), afterAnswer: true },
      { bytes: frame(rng.pick([Buffer.from('#FAILURE#'), Buffer.from('#WELCOME'), rng.bytes(rng.below(20))])), afterAnswer: true }],
    // Three handshake frames and a large header in one write, then the start of its body (issue 10).
    () => [{ bytes: Buffer.concat([threeFrameOpening(rng.between(257, 2 ** 31 - 1)), rng.bytes(rng.below(4096))]), afterAnswer: false }],
    // The same after a correct answer: the peer's own challenge, a forged verdict, a large header.
    () => [{ bytes: Buffer.concat([frame(Buffer.from('#CHALLENGE#{sha256}' + 'x'.repeat(40))), frame(rng.bytes(rng.below(20))),
      headerOnly(rng.between(257, 2 ** 31 - 1)), rng.bytes(rng.below(4096))]), afterAnswer: true }],
  ];
  return rng.pick(choices)();
}

/**
 * A wrong 40-byte answer, two empty frames and the header of a `length`-byte frame: a server that
 * lifted its 256-byte pre-auth limit once three frames had arrived, before checking the answer,
 * accepted that header and buffered the body (issue 10 §1).
 */
export function threeFrameOpening(length: number): Buffer {
  return Buffer.concat([withHeader(Buffer.alloc(40)), withHeader(Buffer.alloc(0)), withHeader(Buffer.alloc(0)), headerOnly(length)]);
}

function withHeader(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(payload.length);
  return Buffer.concat([header, payload]);
}

function headerOnly(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(length);
  return header;
}

function mutate(rng: Random, bytes: Buffer): Buffer {
  const at = bytes.length === 0 ? 0 : rng.below(bytes.length);
  switch (rng.below(6)) {
    case 0:
      if (bytes.length > 0) bytes[at] = bytes[at] ^ (1 << rng.below(8));
      return bytes;
    case 1:
      if (bytes.length > 0) bytes[at] = rng.pick([0x00, 0x7f, 0x80, 0x90, 0xa0, 0xc0, 0xc1, 0xc4, 0xc7, 0xd4, 0xd9, 0xdc, 0xdd, 0xde, 0xdf, 0xff]);
      return bytes;
    case 2:
      return Buffer.concat([bytes.subarray(0, at), rng.bytes(rng.between(1, 8)), bytes.subarray(at)]);
    case 3:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + rng.between(1, 8))]);
    case 4:
      return bytes.subarray(0, at);
    default:
      return Buffer.concat([bytes, bytes.subarray(at)]); // trailing bytes
  }
}

/** Arrays nested `depth` deep (over the decode depth limit). */
function deepNesting(depth: number): Buffer {
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x00])]);
}

/** A container header announcing far more elements (or bytes) than the message holds. */
function lyingLength(rng: Random): Buffer {
  return rng.pick([
    Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), // array32 of 4 Gi elements
    Buffer.from([0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x02]), // map32
    Buffer.from([0xdb, 0x7f, 0xff, 0xff, 0xff, 0x61]), // str32
    Buffer.from([0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00]), // bin32
    Buffer.from([0xc9, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00]), // ext32
    Buffer.concat([Buffer.from([0x96, 0x00, 0x01, 0xc0, 0xa1, 0x78, 0xdc, 0xff, 0xff]), Buffer.alloc(8, 0xc0)]),
  ]);
}
