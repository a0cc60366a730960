// The restricted pickle codec against CPython's own pickle: fixed vectors both ways, a fast-check
// round trip through python3.12 (one process for the whole file, values sent in batches), and
// refusals (unknown globals, REDUCE of anything not allowlisted, truncated or oversized input).
import { expect } from 'chai';
import fc from 'fast-check';
import { readCall, readPickle, writePickle, writePickleTransient, inScratch, tuple, frozenset, PyByteArray } from '../../lib/codec/pickle/index.js';
import { Token, type WireRef } from '../../lib/protocol.js';
import { Empty, KeyError, ProtocolError, RemoteError, BrokenBarrierError, ValueError } from '../../lib/errors.js';
import { Slice } from '../../lib/codec/slice.js';
import { PythonPickler, pySignature } from './pythonPickle.js';

/** Values whose pickles CPython reads and writes back unchanged. */
const { value: pyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.oneof(fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 300n }), fc.bigInt({ min: -(2n ** 300n), max: -(2n ** 53n) - 1n })),
    fc.double().filter((d) => !Number.isInteger(d) || Object.is(d, -0) || Math.abs(d) > Number.MAX_SAFE_INTEGER),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 10 }).map((b) => new PyByteArray(b)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => tuple(...items)),
    fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4, noNullPrototype: true }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), tie('value')), { maxLength: 4, selector: ([k]) => k, minLength: 1 })
      .filter((entries) => entries.some(([k]) => typeof k !== 'string'))
      .map((entries) => new Map(entries)),
    fc.uniqueArray(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 4 }).map((items) => new Set(items)),
    fc.uniqueArray(fc.integer(), { maxLength: 4 }).map((items) => frozenset(items)),
  ),
}));

describe('pickle codec', function () {
  this.timeout(60_000);
  let python: PythonPickler;
  before(() => (python = new PythonPickler()));
  after(() => python.close());

  it('random values round-trip through CPython pickle (protocols 2 to 5), with the Python types values.ts documents', async () => {
    const samples = fc.sample(pyValue, { numRuns: 400, seed: 1234 });
    const answers = await python.roundTrip(samples.map((v) => writePickle(v)));
    samples.forEach((value, i) => {
      const answer = answers[i];
      expect(answer.error, `python could not load ${String(value)}`).to.equal(undefined);
      expect(answer.sig).to.equal(pySignature(value));
      expect(readPickle(answer.pickle!)).to.deep.equal(value);
    });
  });

  it('a fast-check property over fresh values each run', async () => {
    // Asynchronous property: each run batches its values into one round trip.
    await fc.assert(
      fc.asyncProperty(fc.array(pyValue, { minLength: 1, maxLength: 20 }), async (values) => {
        const answers = await python.roundTrip(values.map((v) => writePickle(v)));
        values.forEach((value, i) => expect(readPickle(answers[i].pickle!)).to.deep.equal(value));
      }),
      { numRuns: 20 },
    );
  });

  it('reads what CPython writes for manager traffic: exceptions, Token, slices, OrderedDict, arrays', async () => {
    const exprs = [
      "KeyError('missing')",
      'queue.Empty()',
      "threading.BrokenBarrierError('broken')",
      "ZeroDivisionError('division by zero')",
      "multiprocessing.managers.RemoteError('trace')",
      "multiprocessing.managers.Token('list', ('127.0.0.1', 5000), '7f1')",
      'slice(1, None, -1)',
      "collections.OrderedDict([('a', 1), (2, 'b')])",
      '(1, 2**70, -2**70, None, 1.5, {1, 2}, frozenset(), bytearray(b"x"))',
      "__import__('array').array('i', [1, -2, 3])",
      "__import__('array').array('d', [0.5])",
    ];
    for (const protocol of [2, 3, 4, 5]) {
      const [key, empty, broken, zero, remote, token, slice, ordered, mixed, ints, doubles] = (await python.dumps(exprs, protocol)).map((p) =>
        readPickle(p),
      );
      expect(key).to.be.instanceOf(KeyError).with.property('message', 'missing');
      expect(empty).to.be.instanceOf(Empty);
      expect(broken).to.be.instanceOf(BrokenBarrierError).with.property('message', 'broken');
      expect(zero).to.be.instanceOf(RemoteError).with.property('remoteName', 'ZeroDivisionError');
      expect(remote).to.be.instanceOf(RemoteError).with.property('remoteName', 'RemoteError');
      expect(token).to.deep.equal(new Token('list', ['127.0.0.1', 5000], '7f1'));
      expect(slice).to.deep.equal(new Slice(1, null, -1));
      expect(ordered).to.deep.equal(new Map<unknown, unknown>([['a', 1], [2, 'b']]));
      expect(mixed).to.deep.equal(tuple<unknown>(1, 2n ** 70n, -(2n ** 70n), null, 1.5, new Set([1, 2]), frozenset(), new PyByteArray([120])));
      expect(ints).to.deep.equal([1, -2, 3]);
      expect(doubles).to.deep.equal([0.5]);
    }
  });

  it('writes our errors as the Python exceptions CPython raises', async () => {
    const answers = await python.roundTrip([
      writePickle(new KeyError('k')),
      writePickle(new Empty()),
      writePickle(new ValueError('v')),
      writePickle(new RemoteError('ZeroDivisionError', 'z')),
      writePickle(new ProtocolError('p')),
      writePickle(new Token('dict', ['127.0.0.1', 1], 'a')),
    ]);
    expect(answers.map((a) => a.sig)).to.deep.equal([
      'builtins.KeyError',
      '_queue.Empty',
      'builtins.ValueError',
      'builtins.ZeroDivisionError',
      'builtins.RuntimeError',
      'multiprocessing.managers.Token',
    ]);
  });

  it('proxies are written as RebuildProxy and read back through the fromWire hook', () => {
    class Ref {
      constructor(readonly wire: WireRef) {}
    }
    const wire: WireRef = { typeid: 'Queue', address: ['127.0.0.1', 7], id: '1f', exposed: ['get', 'put'], kind: 'auto' };
    const bytes = writePickle([new Ref(wire)], { toWire: (v) => (v instanceof Ref ? v.wire : undefined) });
    const [back] = readPickle(bytes, { fromWire: (ref) => new Ref(ref) }) as [Ref];
    expect(back.wire).to.deep.equal(wire);
    expect(() => readPickle(bytes)).to.throw(ProtocolError, /proxy is not accepted/);
  });

  it('refuses globals off the allowlist, REDUCE of anything not allowed, and NEWOBJ other than Token', async () => {
    const [osSystem, token, evalCall] = await python.dumps([
      "__import__('os').getcwd",
      'multiprocessing.managers.Token',
      'eval',
    ]);
    expect(() => readPickle(osSystem)).to.throw(ProtocolError, /not allowed: posix.getcwd/);
    expect(() => readPickle(token)).not.to.throw(); // a bare allowlisted class is just a name...
    expect(() => readPickle(evalCall)).to.throw(ProtocolError, /builtins.eval/);
    // ...but calling it is refused: Token(...) via REDUCE.
    const reduceToken = Buffer.from('8004' + '8c186d756c746970726f63657373696e672e6d616e6167657273' + '8c05546f6b656e' + '93' + '29' + '52' + '2e', 'hex');
    expect(() => readPickle(reduceToken)).to.throw(ProtocolError, /may not be called/);
  });

  it('refuses truncated input, oversized lengths, trailing bytes and other protocols', () => {
    const good = writePickle(['abc', 2n ** 80n, new Uint8Array(300)]);
    for (let cut = 0; cut < good.length; cut++) expect(() => readPickle(good.subarray(0, cut))).to.throw(ProtocolError);
    // BINUNICODE announcing 4 GiB - 1 bytes.
    expect(() => readPickle(Buffer.from('8004' + '58ffffffff' + '2e', 'hex'))).to.throw(ProtocolError, /maxStrLength/);
    expect(() => readPickle(Buffer.from('8004' + '8e' + 'ffffffffffffffff', 'hex'))).to.throw(ProtocolError, /maxBinLength/);
    expect(() => readPickle(Buffer.from('8004' + '8b' + 'ffffff7f', 'hex'))).to.throw(ProtocolError, /maxIntBytes/);
    expect(() => readPickle(Buffer.concat([good, Buffer.from([0x4e])]))).to.throw(ProtocolError, /after STOP/);
    expect(() => readPickle(Buffer.from('80014e2e', 'hex'))).to.throw(ProtocolError, /protocol 1/);
    expect(() => readPickle(Buffer.from('4e2e', 'hex'))).to.throw(ProtocolError, /PROTO/);
    expect(() => readPickle(Buffer.from('8004' + '6802' + '2e', 'hex'))).to.throw(ProtocolError, /memo/);
  });

  it('refuses to write what Python could not read back as the same value', () => {
    expect(() => writePickle(() => 1)).to.throw(ValueError);
    expect(() => writePickle(new Date())).to.throw(ValueError);
    const loop: unknown[] = [];
    loop.push(loop);
    expect(readPickle(writePickle(loop))).to.satisfy((l: unknown[]) => l[0] === l); // lists may be recursive
  });

  it('short strings come back right whatever the reader has cached (same lengths, colliding slots, non-ASCII)', () => {
    // Thousands of distinct short strings of the same few lengths: many share a slot of the
    // reader's cache of decoded strings, so a cached string must be checked, not trusted.
    const strings: string[] = [];
    for (let i = 0; i < 3000; i++) strings.push(`k${i.toString(36)}`.padEnd(1 + (i % 32), String.fromCharCode(33 + (i % 90))));
    strings.push('', 'é', 'ké', '\u{1F600}', 'x'.repeat(33), 'ab\ud800');
    const pickles = strings.map((text) => writePickle(tuple('id', text)));
    for (const round of [0, 1]) {
      const order = round === 0 ? strings.keys() : [...strings.keys()].reverse();
      for (const i of order) expect(readPickle(pickles[i])).to.deep.equal(tuple('id', strings[i]));
    }
    // The bytes read are not kept: changing them afterwards changes nothing already read.
    const bytes = Buffer.from(writePickle('abc'));
    expect(readPickle(bytes)).to.equal('abc');
    bytes[bytes.indexOf('abc')] = 0x78;
    expect(readPickle(bytes)).to.equal('xbc');
  });

  it('an object pickled twice reads back as one object; without a memo reference each object stays its own', () => {
    const shared = { a: 1 };
    const [first, second] = readPickle(writePickle([shared, shared, new Map([[1, shared]])])) as [object, object, Map<number, object>];
    expect(first).to.equal(second);
    expect(first).to.deep.equal({ a: 1 });
    const twins = readPickle(writePickle([{ a: 1 }, { a: 1 }])) as object[];
    expect(twins[0]).to.deep.equal(twins[1]);
    expect(twins[0]).not.to.equal(twins[1]);
    // A request as CPython's proxies send it: (id, method, args, kwds) with an empty kwds dict.
    const request = Buffer.from('8004952c00000000000000288c0c333233303035626661313162948c0b5f5f7365746974656d5f5f948c016b944dd20486947d9474942e', 'hex');
    expect(readPickle(request)).to.deep.equal(tuple<unknown>('323005bfa11b', '__setitem__', tuple<unknown>('k', 1234), {}));
  });

  it('a pickle written in the reused buffer is copied out by writePickle, and a hook may write pickles meanwhile', () => {
    const first = writePickle(tuple('#RETURN', 'first'));
    const second = writePickle(tuple('#RETURN', 'second'));
    expect(readPickle(first)).to.deep.equal(tuple('#RETURN', 'first'));
    expect(readPickle(second)).to.deep.equal(tuple('#RETURN', 'second'));
    expect(inScratch(first)).to.equal(false);
    const transient = writePickleTransient(tuple<unknown>('#RETURN', 1));
    expect(inScratch(transient)).to.equal(true);
    expect(readPickle(transient)).to.deep.equal(tuple<unknown>('#RETURN', 1));
    // A pickle larger than the reused buffer is written in buffers of its own.
    const big = 'x'.repeat(10_000);
    const large = writePickleTransient([big, big.toUpperCase()]);
    expect(inScratch(large)).to.equal(false);
    expect(readPickle(large)).to.deep.equal([big, big.toUpperCase()]);
    // A toWire hook that pickles something itself while the outer pickle is in the reused buffer.
    class Ref {
      constructor(readonly wire: WireRef) {}
    }
    const inner: Buffer[] = [];
    const wire: WireRef = { typeid: 'dict', address: ['127.0.0.1', 7], id: '2a', kind: 'dict' };
    const outer = writePickleTransient(tuple<unknown>('#RETURN', ['before', new Ref(wire), 'after']), {
      toWire: (v) => {
        if (!(v instanceof Ref)) return undefined;
        inner.push(writePickle({ nested: 'pickle' }));
        return v.wire;
      },
    });
    const [kind, [before, ref, after]] = readPickle(outer, { fromWire: (r) => new Ref(r) }) as [string, [string, Ref, string]];
    expect([kind, before, after]).to.deep.equal(['#RETURN', 'before', 'after']);
    expect(ref.wire).to.deep.include({ typeid: 'dict', id: '2a' });
    expect(readPickle(inner[0])).to.deep.equal({ nested: 'pickle' });
  });

  it('readCall, the fast path for requests, reads CPython requests exactly as readPickle does, or leaves them to it', async () => {
    const scalar = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: 0, max: 0xff }), // BININT1
      fc.integer({ min: 0x100, max: 0xffff }), // BININT2
      fc.integer(), // BININT
      fc.maxSafeInteger(), // LONG1 beyond 2^31
      fc.double().filter((d) => !Number.isInteger(d)),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    const request = fc.record({
      ident: fc.oneof(
        { arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 14 }), weight: 4 },
        { arbitrary: fc.constantFrom('é', null), weight: 1 },
      ),
      method: fc.oneof(
        { arbitrary: fc.constantFrom('get', '__setitem__', 'put', 'acquire', '#GETVALUE'), weight: 3 },
        { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
      ),
      args: fc.oneof(
        { arbitrary: fc.array(scalar, { maxLength: 5 }), weight: 3 },
        { arbitrary: fc.array(pyValue, { maxLength: 3 }), weight: 1 },
        { arbitrary: fc.constant(['k', 'k', 'k']), weight: 1 }, // a repeated str is a memo reference: the full reader's
      ),
      kwds: fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: fc.dictionary(fc.constantFrom('block', 'timeout'), scalar, { maxKeys: 2, noNullPrototype: true }), weight: 1 }),
    });
    const samples = fc.sample(request, { numRuns: 600, seed: 4242 });
    // Python loads each request and pickles it again, with protocols 2 to 5 in turn (4 and 5 are what proxies send).
    const answers = await python.roundTrip(samples.map((r) => writePickle(tuple<unknown>(r.ident, r.method, tuple(...r.args), r.kwds))));
    let fast = 0;
    answers.forEach((answer, i) => {
      const bytes = Buffer.from(answer.pickle!);
      const general = readPickle(bytes);
      const call = readCall(bytes);
      if (call === undefined) return;
      fast++;
      expect(call).to.deep.equal(general);
      expect(pySignature(call)).to.equal(pySignature(general)); // tuples stay tuples (frozen)
      expect(i % 4, 'protocols 2 and 3 have no SHORT_BINUNICODE').to.be.at.least(2);
    });
    expect(fast, 'requests of simple arguments take the fast path').to.be.greaterThan(50);
    // Whatever the bytes, readCall returns undefined or readPickle's value; it never throws.
    fc.assert(
      fc.property(fc.constantFrom(...answers.map((a) => Buffer.from(a.pickle!))), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(), (good, flips, cut) => {
        const bytes = Buffer.from(good);
        for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
        const input = cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
        const call = readCall(input);
        if (call !== undefined) expect(call).to.deep.equal(readPickle(input));
      }),
      { numRuns: 3000 },
    );
  });

  it('arbitrary and mutated bytes read to a value or throw ProtocolError, nothing else', () => {
    const mutated = fc.tuple(pyValue, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat()).map(([value, flips, cut]) => {
      const bytes = Buffer.from(writePickle(value));
      for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
      return cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0x80, 4]), b]))), (bytes) => {
        try {
          readPickle(bytes, { fromWire: (ref) => ref });
        } catch (error) {
          expect(error).to.be.instanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
