// DictAdapter beyond the CPython table: keys compared by value on a Map (and the side index
// surviving direct edits by the server program), plain-object safety, live iteration, LIFO popitem.
import { expect } from 'chai';
import { KeyError, RuntimeError, TypeError } from '../../lib/errors.js';
import { DICT_EXPOSED, DICT_METHOD_TO_TYPEID, DictAdapter } from '../../lib/server/adapters/index.js';

describe('DictAdapter', () => {
  describe('Map backend: keys compared by value', () => {
    it('finds an array key from a different but equal array, and keeps the first key object', () => {
      const map = new Map<unknown, unknown>();
      const dict = new DictAdapter(map);
      const storedKey = [1, 'a', [true, null]];
      dict.__setitem__(storedKey, 'first');
      dict.__setitem__([1, 'a', [true, null]], 'second');
      expect(map.size).to.equal(1);
      expect(map.get(storedKey)).to.equal('second');
      expect(dict.__getitem__([1, 'a', [true, null]])).to.equal('second');
      expect(dict.__contains__([1, 'a', [true, 0]])).to.equal(false);
      expect(dict.pop([1, 'a', [true, null]])).to.equal('second');
      expect(map.size).to.equal(0);
    });

    it('treats 1 and 1n, -0 and 0, null and undefined as the same key; true and 1 as different', () => {
      const map = new Map<unknown, unknown>([[1n, 'bigint'], [undefined, 'none'], [0, 'zero']]);
      const dict = new DictAdapter(map);
      expect(dict.__getitem__(1)).to.equal('bigint');
      expect(dict.__getitem__(null)).to.equal('none');
      expect(dict.__getitem__(-0)).to.equal('zero');
      expect(dict.__contains__(true)).to.equal(false);
      dict.__setitem__([1], 'array of number');
      expect(dict.__getitem__([1n])).to.equal('array of number');
      expect(dict.__contains__([true])).to.equal(false);
    });

    it('sees array keys the server program adds, removes or mutates directly', () => {
      const map = new Map<unknown, unknown>();
      const dict = new DictAdapter(map);
      dict.__setitem__(['a'], 1);
      const direct = ['b', 2];
      map.set(direct, 'added directly');
      expect(dict.__getitem__(['b', 2])).to.equal('added directly');
      map.delete(direct);
      expect(dict.__contains__(['b', 2])).to.equal(false);
      // Mutating a stored key in place: found under its new value, no longer under the old one.
      const mutable = ['c'];
      map.set(mutable, 'mutable');
      expect(dict.__getitem__(['c'])).to.equal('mutable');
      mutable[0] = 'd';
      expect(dict.__contains__(['c'])).to.equal(false);
      expect(dict.__getitem__(['d'])).to.equal('mutable');
      map.clear();
      expect(dict.__contains__(['a'])).to.equal(false);
      dict.__setitem__(['a'], 2);
      expect(Array.from(map.values())).to.deep.equal([2]);
    });

    it('refuses keys Python could not hash, and key types it does not compare by value', () => {
      const dict = new DictAdapter(new Map());
      expect(() => dict.__setitem__(new Map(), 1)).to.throw(TypeError, "unhashable type: 'dict'");
      expect(() => dict.__setitem__({}, 1)).to.throw(TypeError, "unhashable type: 'dict'");
      expect(() => dict.__getitem__(new Set())).to.throw(TypeError, "unhashable type: 'set'");
      expect(() => dict.__setitem__(new Uint8Array(1), 1)).to.throw(TypeError, "not 'bytes'");
      expect(() => dict.__setitem__([1, {}], 1)).to.throw(TypeError, 'a list used as a dict key');
    });

    it('KeyError shows the key as Python repr', () => {
      const dict = new DictAdapter(new Map());
      expect(() => dict.__getitem__([1, 'a'])).to.throw(KeyError, "[1, 'a']");
      expect(() => dict.__delitem__("it's")).to.throw(KeyError, `"it's"`);
    });

    it('copy() is a new Map with the same entries', () => {
      const map = new Map<unknown, unknown>([['a', 1]]);
      const copy = new DictAdapter(map).copy();
      expect(copy).to.be.instanceOf(Map).and.not.equal(map);
      expect(Array.from((copy as Map<unknown, unknown>).entries())).to.deep.equal([['a', 1]]);
    });

    it('update accepts a Map, another adapter, pairs from any iterable, and keywords after them', () => {
      const map = new Map<unknown, unknown>();
      const dict = new DictAdapter(map);
      dict.update(new Map<unknown, unknown>([[[1, 2], 'tuple key']]));
      dict.update(new DictAdapter({ b: 2 }));
      dict.update(new Set([['c', 3]]), { c: 'keyword wins', d: 4 });
      expect(Array.from(map.entries())).to.deep.equal([
        [[1, 2], 'tuple key'],
        ['b', 2],
        ['c', 'keyword wins'],
        ['d', 4],
      ]);
    });
  });

  describe('plain-object backend', () => {
    it('keeps __proto__, constructor and toString as ordinary keys, without touching any prototype', () => {
      const record: Record<string, unknown> = {};
      const dict = new DictAdapter(record);
      expect(dict.__contains__('toString')).to.equal(false);
      expect(dict.get('constructor', 'absent')).to.equal('absent');
      expect(() => dict.__getitem__('__proto__')).to.throw(KeyError, "'__proto__'");
      dict.__setitem__('__proto__', { polluted: true });
      dict.update({ constructor: 'c' }, { toString: 't' });
      dict.update([['hasOwnProperty', 'h']]);
      expect(Object.getPrototypeOf(record)).to.equal(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(dict.keys()).to.deep.equal(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
      expect(dict.__getitem__('__proto__')).to.deep.equal({ polluted: true });
      expect(Object.prototype.hasOwnProperty.call(record, 'hasOwnProperty')).to.equal(true);
      expect(dict.popitem()).to.deep.equal(['hasOwnProperty', 'h']);
      dict.__delitem__('__proto__');
      expect(Object.getPrototypeOf(record)).to.equal(Object.prototype);
      expect(dict.__len__()).to.equal(2);
    });

    it('copy() is a new plain object, __proto__ included as data', () => {
      const record: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      const dict = new DictAdapter(record);
      dict.__setitem__('__proto__', 1);
      dict.__setitem__('a', 2);
      const copy = dict.copy() as Record<string, unknown>;
      expect(copy).to.not.equal(record);
      expect(Object.getPrototypeOf(copy)).to.equal(null);
      expect(Object.entries(copy)).to.deep.equal([['__proto__', 1], ['a', 2]]);
    });

    it('stores number keys as strings (as JS does) and refuses other non-string keys', () => {
      const record: Record<string, unknown> = {};
      const dict = new DictAdapter(record);
      dict.__setitem__(1, 'one');
      expect(record).to.deep.equal({ 1: 'one' });
      expect(dict.__getitem__('1')).to.equal('one');
      expect(dict.__getitem__(1)).to.equal('one');
      expect(() => dict.__setitem__(true, 1)).to.throw(TypeError, "not 'bool'");
      expect(() => dict.__setitem__(['a'], 1)).to.throw(TypeError, "not 'list'");
      expect(() => dict.__setitem__(null, 1)).to.throw(TypeError, "not 'NoneType'");
    });
  });

  describe('__iter__', () => {
    for (const [label, make] of [
      ['Map', () => new Map<unknown, unknown>([['a', 1], ['b', 2]])],
      ['object', () => ({ a: 1, b: 2 })],
    ] as const) {
      it(`${label}: yields the keys, then RuntimeError (sticky) once the size changed`, () => {
        const dict = new DictAdapter(make());
        const keys = dict.__iter__();
        expect(keys.next()).to.deep.equal({ done: false, value: 'a' });
        dict.__setitem__('c', 3);
        expect(() => keys.next()).to.throw(RuntimeError, 'dictionary changed size during iteration');
        dict.__delitem__('c');
        expect(() => keys.next()).to.throw(RuntimeError, 'dictionary changed size during iteration');
      });

      it(`${label}: a deletion also breaks it; an exhausted iterator stays exhausted`, () => {
        const dict = new DictAdapter(make());
        const broken = dict.__iter__();
        dict.__delitem__('b');
        expect(() => broken.next()).to.throw(RuntimeError);
        const keys = dict.__iter__();
        expect(Array.from(keys)).to.deep.equal(['a']);
        dict.__setitem__('z', 0);
        expect(keys.next().done).to.equal(true);
      });
    }

    it('sees value changes while iterating (size unchanged), as Python does', () => {
      const map = new Map<unknown, unknown>([['a', 1], ['b', 2]]);
      const dict = new DictAdapter(map);
      const seen: unknown[] = [];
      for (const key of dict.__iter__()) {
        seen.push(key);
        dict.__setitem__('b', 'changed');
      }
      expect(seen).to.deep.equal(['a', 'b']);
      expect(map.get('b')).to.equal('changed');
    });
  });

  it('popitem is LIFO on both backends', () => {
    for (const backend of [new Map<unknown, unknown>(), {}]) {
      const dict = new DictAdapter(backend);
      dict.update([['x', 1], ['y', 2], ['z', 3]]);
      expect([dict.popitem(), dict.popitem(), dict.popitem()]).to.deep.equal([['z', 3], ['y', 2], ['x', 1]]);
      expect(() => dict.popitem()).to.throw(KeyError, 'popitem(): dictionary is empty');
    }
  });

  it('pop tells "no default" from a null default', () => {
    const dict = new DictAdapter(new Map());
    expect(dict.pop('missing', null)).to.equal(null);
    expect(dict.pop('missing', undefined)).to.equal(undefined);
    expect(() => dict.pop('missing')).to.throw(KeyError);
  });

  it('exposes CPython\'s dict methods, all implemented, with __iter__ served as an Iterator', () => {
    const dict = new DictAdapter({}) as unknown as Record<string, unknown>;
    for (const name of DICT_EXPOSED) expect(dict[name], name).to.be.a('function');
    expect(DICT_EXPOSED).to.have.length(16);
    expect(DICT_METHOD_TO_TYPEID).to.deep.equal({ __iter__: 'Iterator' });
  });
});
