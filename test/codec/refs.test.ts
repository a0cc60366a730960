// References cross the wire through the owner's RefHooks, wherever they are nested; without hooks
// a received reference is a Token.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec, type RefHooks } from '../../lib/codec/codec.js';
import { ExtType } from '../../lib/codec/extensions.js';
import { ProtocolError, ValueError } from '../../lib/errors.js';
import { Token, type WireRef } from '../../lib/protocol.js';
import { expectProtocolError, FakeProxy, proxyHooks, Received, roundTrip } from './helpers.js';

const tcpRef: WireRef = { typeid: 'Queue', address: ['127.0.0.1', 5000], id: 'a1' };
const unixRef: WireRef = { typeid: 'list', address: '/tmp/mp.sock', id: 'b2', exposed: ['append', '__len__'], kind: 'list' };
const fullRef: WireRef = { typeid: 'dict', address: undefined, id: 'c3', exposed: [], kind: 'dict', foreign: true };

describe('codec: references', () => {
  it('sends what toWire claims as a REF and returns what fromWire makes of it', () => {
    const calls = { toWire: 0, fromWire: 0 };
    const codec = new Codec(proxyHooks(calls));
    for (const ref of [tcpRef, unixRef, fullRef]) {
      const back = roundTrip(new FakeProxy(ref), codec);
      expect(back).to.be.instanceOf(Received);
      expect(back.ref).to.deep.equal(ref);
    }
    expect(calls.fromWire).to.equal(3);
  });

  it('finds references nested anywhere: arrays, objects, Map keys and values, Sets, error fields and causes', () => {
    const calls = { toWire: 0, fromWire: 0 };
    const codec = new Codec(proxyHooks(calls));
    const p = (id: string): FakeProxy => new FakeProxy({ typeid: 'T', address: ['h', 1], id });
    const cause = Object.assign(new Error('cause'), { holder: p('cause') });
    const value = {
      list: [1, [p('array')]],
      map: new Map<unknown, unknown>([[p('key'), p('value')]]),
      set: new Set([p('set')]),
      error: Object.assign(new Error('boom', { cause }), { proxy: p('field') }),
    };
    const back = roundTrip(value, codec);
    const id = (r: unknown): string => {
      expect(r).to.be.instanceOf(Received);
      return ((r as Received).ref as WireRef).id;
    };
    expect(id(back.list[1][0])).to.equal('array');
    const [[key, mapValue]] = [...back.map];
    expect(id(key)).to.equal('key');
    expect(id(mapValue)).to.equal('value');
    expect(id([...back.set][0])).to.equal('set');
    expect(id(back.error.proxy)).to.equal('field');
    expect(id(back.error.cause.holder)).to.equal('cause');
    expect(calls.fromWire).to.equal(6);
  });

  it('asks toWire about every object and function, never about primitives', () => {
    const seen: unknown[] = [];
    const codec = new Codec({ toWire: (value) => void seen.push(value), fromWire: (ref) => ref });
    const fn = (): void => {};
    const inner = { b: 2 };
    const date = new Date(1);
    expect(() => codec.encode([1, 'a', 2n, inner, date, fn])).to.throw(); // the function itself is not encodable
    expect(seen).to.include.members([inner, date, fn]);
    expect(seen).to.not.include(1);
    expect(seen).to.not.include('a');
  });

  it('lets toWire claim a function (a callable proxy)', () => {
    const callable = Object.assign(() => 1, { ref: tcpRef });
    const codec = new Codec({
      toWire: (value) => (typeof value === 'function' ? (value as typeof callable).ref : undefined),
      fromWire: (ref) => new Received(ref),
    });
    expect(roundTrip([callable], codec)[0].ref).to.deep.equal(tcpRef);
  });

  it('without hooks, encodes nothing as a reference and decodes a REF as a Token', () => {
    const codec = new Codec();
    const token = new Token('Queue', ['127.0.0.1', 5000], 'a1');
    expect(roundTrip(token, codec)).to.deep.equal({ typeid: 'Queue', address: ['127.0.0.1', 5000], id: 'a1' });
    const fromServer = new Codec(proxyHooks()).encode([new FakeProxy(unixRef)]);
    const [back] = codec.decode(fromServer) as [Token];
    expect(back).to.be.instanceOf(Token);
    expect([back.typeid, back.address, back.id]).to.deep.equal(['list', '/tmp/mp.sock', 'b2']);
  });

  it('reports a throwing fromWire as a ProtocolError with the original as cause', () => {
    const failure = new Error('unknown object');
    const codec = new Codec({ toWire: () => undefined, fromWire: () => { throw failure; } });
    const bytes = new Codec(proxyHooks()).encode({ x: new FakeProxy(tcpRef) });
    const error = expectProtocolError(codec, bytes, /unknown object/);
    expect(error.cause).to.equal(failure);
    expect(codec.decode(codec.encode([1]))).to.deep.equal([1]); // still usable
  });

  it('lets fromWire and toWire call the same codec again (nested calls use fresh coders)', () => {
    const codec: Codec = new Codec({
      toWire: (value) => hooks.toWire(value),
      fromWire: (ref) => hooks.fromWire(ref),
    });
    const hooks: RefHooks = {
      toWire(value) {
        if (!(value instanceof FakeProxy)) return undefined;
        // Re-entering encode and decode from inside an encode, depth checks included.
        const [map] = codec.decode(codec.encode([new Map([[1, value.ref.id]])])) as [Map<number, string>];
        expect(map.get(1)).to.equal(value.ref.id);
        const circular: unknown[] = [];
        circular.push(circular);
        expect(() => codec.encode(circular)).to.throw(ValueError, /maxDepth/);
        return value.ref;
      },
      fromWire(ref) {
        // Re-entering decode (with a nested reference of its own) from inside a decode.
        const nested = codec.encode({ again: [new Set([ref.id])] });
        return { id: ref.id, again: codec.decode(nested) };
      },
    };
    const value = [new Map([['p', new FakeProxy(tcpRef)]]), new FakeProxy(unixRef), 'tail'];
    const back = roundTrip(value, codec);
    expect(back[0].get('p').id).to.equal('a1');
    expect([...back[0].get('p').again.again[0]]).to.deep.equal(['a1']);
    expect(back[1].id).to.equal('b2');
    expect(back[2]).to.equal('tail');
  });

  it('refuses malformed REF payloads with ProtocolError, before fromWire sees them', () => {
    let called = 0;
    const codec = new Codec({ toWire: () => undefined, fromWire: () => ++called });
    const ok = ['T', ['h', 1], 'id'];
    expect(codec.decode(encode(new ExtData(ExtType.Ref, encode(ok))))).to.equal(1);
    const bad: unknown[][] = [
      ['T', null],
      [1, null, 'id'],
      ['T', null, 2],
      ['T', ['h'], 'id'],
      ['T', ['h', 'port'], 'id'],
      ['T', ['h', 70000], 'id'],
      ['T', ['h', 1.5], 'id'],
      ['T', 5, 'id'],
      ['T', null, 'id', ['ok', 3]],
      ['T', null, 'id', 'append'],
      ['T', null, 'id', null, 'tuple'],
      ['T', null, 'id', null, null, 'yes'],
      ['T', null, 'id', null, null, null, 'extra'],
    ];
    for (const payload of bad) {
      const error = expectProtocolError(codec, encode(new ExtData(ExtType.Ref, encode(payload))));
      expect(error).to.be.instanceOf(ProtocolError);
    }
    expect(called).to.equal(1);
  });

  it('writes a client reference compactly: [typeid, address, id]', () => {
    const bytes = new Codec(proxyHooks()).encode(new FakeProxy(tcpRef));
    const expected = encode(new ExtData(ExtType.Ref, encode(['Queue', ['127.0.0.1', 5000], 'a1'])));
    expect(bytes).to.deep.equal(expected);
  });
});
