// No decoded input can change Object.prototype or any object's prototype: a raw `__proto__` map
// key is refused, and the UNSAFE_OBJECT extension (and error fields) define own data properties.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec } from '../../lib/codec/codec.js';
import { ExtType } from '../../lib/codec/extensions.js';
import { KeyError } from '../../lib/errors.js';
import { concat, decodeOrProtocolError, expectProtocolError, roundTrip, seededRandom } from './helpers.js';

/** The names and values of every own property of the built-in prototypes, to compare before and after. */
function prototypesSnapshot(): unknown[] {
  return [Object.prototype, Array.prototype, Function.prototype, Map.prototype, Error.prototype].map((prototype) =>
    Object.getOwnPropertyNames(prototype).map((name) => [name, Object.getOwnPropertyDescriptor(prototype, name)?.value]),
  );
}

function expectNoPollution(before: unknown[]): void {
  expect(prototypesSnapshot()).to.deep.equal(before);
  const probe: Record<string, unknown> = {};
  for (const name of ['polluted', 'isAdmin', 'x']) expect(probe[name], name).to.equal(undefined);
}

/** A raw msgpack fixmap of one entry whose key is `__proto__`. */
function rawProtoMap(value: unknown): Uint8Array {
  return concat([0x81, 0xa9], Buffer.from('__proto__'), encode(value));
}

describe('codec: prototype safety', () => {
  const codec = new Codec();
  let before: unknown[];
  beforeEach(() => {
    before = prototypesSnapshot();
  });
  afterEach(() => expectNoPollution(before));

  it('refuses a raw msgpack map with a __proto__ key (ProtocolError), however nested', () => {
    expectProtocolError(codec, rawProtoMap({ polluted: true }));
    expectProtocolError(codec, concat([0x92, 0x01], rawProtoMap({ polluted: true })));
    const inMap = encode(new ExtData(ExtType.Map, concat([0x91, 0x92, 0xa1, 0x6b], rawProtoMap({ polluted: 1 }))));
    expectProtocolError(codec, inMap);
  });

  it('round-trips an own __proto__ key as an own data property, prototype untouched', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true, "isAdmin": true}, "name": "n"}');
    const back = roundTrip(value, codec);
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.hasOwn(back, '__proto__')).to.equal(true);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).to.deep.equal({ polluted: true, isAdmin: true });
    expect(back.polluted).to.equal(undefined);
    expect(back.name).to.equal('n');
    expect(Object.keys(back)).to.deep.equal(['__proto__', 'name']);
  });

  it('handles own __proto__ keys nested in arrays, Maps, and in the __proto__ value itself', () => {
    const inner = JSON.parse('{"__proto__": {"__proto__": {"x": 1}}}');
    const back = roundTrip([new Map([['k', inner]]), { wrap: inner }], codec);
    for (const object of [back[0].get('k'), back[1].wrap]) {
      expect(Object.getPrototypeOf(object)).to.equal(Object.prototype);
      const level1 = Object.getOwnPropertyDescriptor(object, '__proto__')?.value;
      expect(Object.getPrototypeOf(level1)).to.equal(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(level1, '__proto__')?.value).to.deep.equal({ x: 1 });
      expect(object.x).to.equal(undefined);
    }
  });

  it('keeps hostile keys of crafted UNSAFE_OBJECT payloads as plain data', () => {
    const payload = [
      ['__proto__', { polluted: true }],
      ['constructor', { prototype: { polluted: true } }],
      ['prototype', { polluted: true }],
      ['toString', 'not a function'],
    ];
    const back = codec.decode(encode(new ExtData(ExtType.UnsafeObject, encode(payload)))) as Record<string, any>;
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(back.constructor).to.deep.equal({ prototype: { polluted: true } });
    expect(Object.getOwnPropertyDescriptor(back, 'toString')?.value).to.equal('not a function');
    expect(back.polluted).to.equal(undefined);
  });

  it('keeps constructor and prototype keys of plain maps as plain data', () => {
    const bytes = encode({ constructor: { prototype: { polluted: true } }, prototype: { polluted: true } });
    const back = codec.decode(bytes) as Record<string, any>;
    expect(Object.getPrototypeOf(back)).to.equal(Object.prototype);
    expect(Object.hasOwn(back, 'constructor')).to.equal(true);
    expect(back.polluted).to.equal(undefined);
  });

  it('defines error fields named __proto__ or constructor as own properties, class kept', () => {
    const payload = ['KeyError', 'm', null, [['__proto__', { polluted: true }], ['constructor', 1]], null];
    const back = codec.decode(encode(new ExtData(ExtType.Error, encode(payload)))) as KeyError & Record<string, unknown>;
    expect(back).to.be.instanceOf(KeyError);
    expect(Object.getPrototypeOf(back)).to.equal(KeyError.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).to.deep.equal({ polluted: true });
    expect(back.polluted).to.equal(undefined);
  });

  it('stays unpolluted through a few thousand random inputs built from hostile pieces', () => {
    const random = seededRandom(2024);
    const pieces: Uint8Array[] = [
      rawProtoMap({ polluted: 1 }),
      encode(new ExtData(ExtType.UnsafeObject, encode([['__proto__', { polluted: 1 }]]))),
      encode({ constructor: { prototype: { polluted: 1 } } }),
      encode(new ExtData(ExtType.Error, encode(['Error', 'm', null, [['__proto__', { isAdmin: 1 }]], null]))),
      Uint8Array.from([0x92]),
      Uint8Array.from([0x81, 0xa1, 0x78]),
    ];
    for (let i = 0; i < 2000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pieces[Math.floor(random() * pieces.length)]);
      decodeOrProtocolError(codec, concat(...parts));
    }
  });
});
