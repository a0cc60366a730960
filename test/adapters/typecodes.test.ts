// Typecodes enforced by Value and SharedArray. The bounds and OverflowError messages (RangeError
// here) were checked against CPython 3.11.7's array module on 64-bit Linux: array(code, [bound]).
import { expect } from 'chai';
import { Slice } from '../../lib/codec/slice.js';
import { IndexError, RangeError, TypeError, ValueError } from '../../lib/errors.js';
import {
  ARRAY_EXPOSED,
  SharedArray,
  TYPECODES,
  VALUE_EXPOSED,
  Value,
  checkTypecodeValue,
} from '../../lib/server/adapters/index.js';

// [code, min, max, message below min, message above max]
const INTEGER_BOUNDS: [string, bigint, bigint, string, string][] = [
  ['b', -128n, 127n, 'signed char is less than minimum', 'signed char is greater than maximum'],
  ['B', 0n, 255n, 'unsigned byte integer is less than minimum', 'unsigned byte integer is greater than maximum'],
  ['h', -32768n, 32767n, 'signed short integer is less than minimum', 'signed short integer is greater than maximum'],
  ['H', 0n, 65535n, 'unsigned short is less than minimum', 'unsigned short is greater than maximum'],
  ['i', -(2n ** 31n), 2n ** 31n - 1n, 'signed integer is less than minimum', 'signed integer is greater than maximum'],
  ['I', 0n, 2n ** 32n - 1n, "can't convert negative value to unsigned int", 'unsigned int is greater than maximum'],
  ['l', -(2n ** 63n), 2n ** 63n - 1n, 'Python int too large to convert to C long', 'Python int too large to convert to C long'],
  ['L', 0n, 2n ** 64n - 1n, "can't convert negative value to unsigned int", 'Python int too large to convert to C unsigned long'],
  ['q', -(2n ** 63n), 2n ** 63n - 1n, 'int too big to convert', 'int too big to convert'],
  ['Q', 0n, 2n ** 64n - 1n, "can't convert negative int to unsigned", 'int too big to convert'],
];

describe('checkTypecodeValue', () => {
  for (const [code, min, max, belowMessage, aboveMessage] of INTEGER_BOUNDS) {
    it(`'${code}': accepts ${min}..${max}, refuses one beyond each end`, () => {
      const wide = max > 2n ** 53n;
      expect(checkTypecodeValue(code, min)).to.equal(wide ? min : Number(min));
      expect(checkTypecodeValue(code, max)).to.equal(wide ? max : Number(max));
      if (!wide) {
        expect(checkTypecodeValue(code, Number(min))).to.equal(Number(min));
        expect(checkTypecodeValue(code, Number(max))).to.equal(Number(max));
        expect(() => checkTypecodeValue(code, Number(max) + 1)).to.throw(RangeError, aboveMessage);
      }
      expect(() => checkTypecodeValue(code, min - 1n)).to.throw(RangeError, belowMessage);
      expect(() => checkTypecodeValue(code, max + 1n)).to.throw(RangeError, aboveMessage);
      for (const bad of [1.5, '1', true, null, [1]]) {
        expect(() => checkTypecodeValue(code, bad), String(bad)).to.throw(TypeError, 'an integer is required');
      }
    });
  }

  it('wide codes keep numbers as numbers and compare doubles beyond 2^53 exactly', () => {
    expect(checkTypecodeValue('q', 5)).to.equal(5);
    expect(checkTypecodeValue('Q', 2 ** 63)).to.equal(2 ** 63);
    expect(() => checkTypecodeValue('Q', 2 ** 64)).to.throw(RangeError);
    expect(() => checkTypecodeValue('q', 2 ** 63)).to.throw(RangeError);
  });

  it("'f' stores Math.fround, 'd' any number; both refuse non-numbers", () => {
    expect(checkTypecodeValue('f', 0.1)).to.equal(Math.fround(0.1)); // CPython: array('f',[0.1])[0] == 0.10000000149011612
    expect(checkTypecodeValue('f', 1e300)).to.equal(Infinity); // CPython: array('f', [inf])
    expect(checkTypecodeValue('d', 0.1)).to.equal(0.1);
    expect(checkTypecodeValue('d', 3n)).to.equal(3);
    expect(() => checkTypecodeValue('d', 'a')).to.throw(TypeError, 'must be real number, not str');
    expect(() => checkTypecodeValue('f', null)).to.throw(TypeError, 'must be real number, not NoneType');
  });

  it("'c' takes one byte (string or Uint8Array), 'u' one character, '?' a boolean", () => {
    expect(checkTypecodeValue('c', 'A')).to.deep.equal(Uint8Array.of(65));
    const byte = Uint8Array.of(200);
    const stored = checkTypecodeValue('c', byte);
    expect(stored).to.deep.equal(byte);
    expect(stored).to.not.equal(byte);
    expect(checkTypecodeValue('c', 65)).to.deep.equal(Uint8Array.of(65)); // CPython: c_char(65) == c_char(b'A')
    for (const bad of ['ab', '', '\u0100', Uint8Array.of(1, 2), 256, -1, 1.5]) {
      expect(() => checkTypecodeValue('c', bad)).to.throw(TypeError, 'one character bytes, bytearray or integer expected');
    }
    expect(checkTypecodeValue('u', '\u{1F600}')).to.equal('\u{1F600}');
    for (const bad of ['ab', '', 1]) {
      expect(() => checkTypecodeValue('u', bad)).to.throw(TypeError, 'array item must be unicode character');
    }
    expect(checkTypecodeValue('?', false)).to.equal(false);
    expect(() => checkTypecodeValue('?', 1)).to.throw(TypeError);
  });

  it('refuses unknown typecodes with ValueError, non-strings with TypeError', () => {
    expect(() => checkTypecodeValue('z', 1)).to.throw(ValueError, 'bad typecode (must be b, B, c, u, h, H, i, I, l, L, q, Q, f, d or ?)');
    expect(() => checkTypecodeValue('ii', 1)).to.throw(ValueError);
    expect(() => checkTypecodeValue(1 as unknown as string, 1)).to.throw(TypeError);
    expect(TYPECODES).to.have.length(15);
  });
});

describe('Value', () => {
  it('gets and sets a value checked against its typecode', () => {
    const value = new Value('i', 1);
    expect(value.get()).to.equal(1);
    value.set(-7);
    expect(value.get()).to.equal(-7);
    expect(() => value.set(2 ** 31)).to.throw(RangeError, 'signed integer is greater than maximum');
    expect(() => value.set('x')).to.throw(TypeError);
    expect(value.get()).to.equal(-7);
    value.value = 3;
    expect(value.value).to.equal(3);
    expect(value.typecode).to.equal('i');
  });

  it('checks on creation too, and rejects unknown typecodes (CPython would not)', () => {
    expect(() => new Value('b', 300)).to.throw(RangeError, 'signed char is greater than maximum');
    expect(() => new Value('zz', 'anything')).to.throw(ValueError, 'bad typecode');
  });

  it("has CPython's repr", () => {
    // CPython 3.11.7: repr(Value('i', 1)) == "Value('i', 1)"; repr(Value('c', b'a')) == "Value('c', b'a')"
    expect(new Value('i', 1).__repr__()).to.equal("Value('i', 1)");
    expect(new Value('c', 'a').__repr__()).to.equal("Value('c', b'a')");
    expect(new Value('d', 1.5).__repr__()).to.equal("Value('d', 1.5)");
    expect(VALUE_EXPOSED).to.deep.equal(['get', 'set']);
  });
});

describe('SharedArray', () => {
  it('is created from items (each checked) or from a length (zeros)', () => {
    expect(new SharedArray('i', [1, 2]).getValue()).to.deep.equal([1, 2]);
    expect(new SharedArray('d', 3).getValue()).to.deep.equal([0, 0, 0]);
    expect(new SharedArray('c', 2).getValue()).to.deep.equal([Uint8Array.of(0), Uint8Array.of(0)]);
    expect(new SharedArray('u', 'ab').getValue()).to.deep.equal(['a', 'b']);
    expect(new SharedArray('?', 1).getValue()).to.deep.equal([false]);
    expect(() => new SharedArray('B', [1, 256])).to.throw(RangeError, 'unsigned byte integer is greater than maximum');
    expect(() => new SharedArray('i', -1)).to.throw(ValueError);
    expect(() => new SharedArray('x', [])).to.throw(ValueError, 'bad typecode');
  });

  it('indexes as Python (negative, slices) with array messages', () => {
    const array = new SharedArray('h', [1, 2, 3, 4]);
    expect(array.__len__()).to.equal(4);
    expect(array.__getitem__(-1)).to.equal(4);
    expect(array.__getitem__(new Slice(null, null, -2))).to.deep.equal([4, 2]);
    expect(() => array.__getitem__(4)).to.throw(IndexError, 'array index out of range');
    expect(() => array.__getitem__('0' as unknown as number)).to.throw(TypeError, 'array indices must be integers');
    array.__setitem__(0, -1);
    expect(() => array.__setitem__(9, 0)).to.throw(IndexError, 'array assignment index out of range');
    expect(() => array.__setitem__(1, 40000)).to.throw(RangeError, 'signed short integer is greater than maximum');
    expect(array.getValue()).to.deep.equal([-1, 2, 3, 4]);
  });

  it('assigns slices with checked values; extended slices must match in size', () => {
    const array = new SharedArray('i', [0, 1, 2, 3]);
    array.__setitem__(new Slice(null, null, 2), [10, 12]);
    expect(array.getValue()).to.deep.equal([10, 1, 12, 3]);
    expect(() => array.__setitem__(new Slice(null, null, 2), [1])).to.throw(
      ValueError,
      'attempt to assign array of size 1 to extended slice of size 2',
    );
    expect(() => array.__setitem__(new Slice(0, 2, null), [1, 'x'])).to.throw(TypeError);
    expect(() => array.__setitem__(new Slice(0, 2, null), 5)).to.throw(TypeError, 'can only assign array (not "int") to array slice');
    expect(array.getValue()).to.deep.equal([10, 1, 12, 3]);
    array.__setitem__(new Slice(0, 2, null), [7]); // as array.array, a step-1 slice may resize
    expect(array.getValue()).to.deep.equal([7, 12, 3]);
  });

  it("has array.array's repr; getValue() is a copy", () => {
    // CPython 3.11.7: array('i', [1, 2]), array('i'), array('u', 'ab'), array('d', [1.5])
    expect(new SharedArray('i', [1, 2]).__repr__()).to.equal("array('i', [1, 2])");
    expect(new SharedArray('i', []).__repr__()).to.equal("array('i')");
    expect(new SharedArray('u', ['a', 'b']).__repr__()).to.equal("array('u', 'ab')");
    expect(new SharedArray('d', [1.5]).__repr__()).to.equal("array('d', [1.5])");
    const array = new SharedArray('i', [1]);
    array.getValue().push(2);
    expect(array.__len__()).to.equal(1);
    expect(ARRAY_EXPOSED).to.deep.equal(['__len__', '__getitem__', '__setitem__']);
  });
});
