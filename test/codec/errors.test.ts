// Errors cross the wire by name: a known class comes back as that class, anything else as a
// RemoteError, both with the remote stack, their own data fields, and one level of cause.
import { expect } from 'chai';
import { encode, ExtData } from '@msgpack/msgpack';
import { Codec } from '../../lib/codec/codec.js';
import { ExtType } from '../../lib/codec/extensions.js';
import * as errors from '../../lib/errors.js';
import { errorClassesByName, KeyError, ProtocolError, RemoteError } from '../../lib/errors.js';
import { expectProtocolError, roundTrip } from './helpers.js';

describe('codec: errors', () => {
  const codec = new Codec();

  it('rebuilds every class of errorClassesByName as that class, with the remote stack', () => {
    for (const [name, ErrorClass] of errorClassesByName) {
      const error = new ErrorClass(`a ${name}`);
      const back = roundTrip(error, codec);
      expect(back, name).to.be.instanceOf(ErrorClass);
      expect(back.name).to.equal(name);
      expect(back.message).to.equal(`a ${name}`);
      expect(back.stack).to.equal(error.stack);
      expect(back.stack).to.include('errors.test.ts'); // the sender's frames
    }
  });

  it("maps JavaScript's own TypeError and RangeError to the library's classes of the same name", () => {
    const back = roundTrip([new TypeError('not a function'), new RangeError('too big')], codec);
    expect(back[0]).to.be.instanceOf(errors.TypeError);
    expect(back[0].message).to.equal('not a function');
    expect(back[1]).to.be.instanceOf(errors.RangeError);
  });

  it('turns an unknown name into a RemoteError carrying name, message and stack', () => {
    class MyError extends Error {
      override name = 'MyError';
    }
    for (const error of [new Error('plain'), new SyntaxError('syntax'), new MyError('mine')]) {
      const back = roundTrip(error, codec);
      expect(back).to.be.instanceOf(RemoteError);
      expect(back.remoteName).to.equal(error.name);
      expect(back.message).to.equal(`${error.name}: ${error.message}`);
      expect(back.remoteStack).to.equal(error.stack);
      expect(back.stack).to.equal(error.stack);
    }
  });

  it('passes a RemoteError on as the error it stands for', () => {
    const remote = new RemoteError('ZeroDivisionError', 'division by zero', 'ZeroDivisionError: division by zero\n  at f');
    const back = roundTrip(remote, codec);
    expect(back).to.be.instanceOf(RemoteError);
    expect(back.remoteName).to.equal('ZeroDivisionError');
    expect(back.message).to.equal('ZeroDivisionError: division by zero');
    expect(back.remoteStack).to.equal(remote.remoteStack);
  });

  it('carries own enumerable data fields such as code, with any encodable value', () => {
    const error = Object.assign(new KeyError('missing'), {
      code: 'E_MISSING',
      errno: -2,
      details: { keys: [1, 2n], when: new Date(7) },
      lookup: new Map([['a', 1]]),
    });
    const back = roundTrip(error, codec);
    expect(back).to.be.instanceOf(KeyError);
    expect(back.code).to.equal('E_MISSING');
    expect(back.errno).to.equal(-2);
    expect(back.details.keys).to.deep.equal([1, 2n]);
    expect(back.details.when.getTime()).to.equal(7);
    expect(back.lookup.get('a')).to.equal(1);
    expect(Object.keys(back)).to.include.members(['code', 'errno', 'details', 'lookup']);
  });

  it('leaves accessor properties and non-enumerable properties behind', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'computed', { get: () => 1, enumerable: true });
    Object.defineProperty(error, 'secret', { value: 2, enumerable: false });
    const back = roundTrip(error, codec);
    expect(back).to.not.have.property('computed');
    expect(back).to.not.have.property('secret');
  });

  it('carries an Error cause one level deep; a cause that is no Error is left out', () => {
    const root = new errors.Empty('root');
    const middle = Object.assign(new errors.ValueError('middle', { cause: root }), { code: 7 });
    const top = new errors.RuntimeError('top', { cause: middle });
    const back = roundTrip(top, codec);
    expect(back).to.be.instanceOf(errors.RuntimeError);
    expect(back.cause).to.be.instanceOf(errors.ValueError);
    expect(back.cause.message).to.equal('middle');
    expect(back.cause.code).to.equal(7);
    expect(back.cause.stack).to.equal(middle.stack);
    expect(back.cause.cause).to.equal(undefined);
    expect(Object.keys(back)).to.not.include('cause');
    expect(roundTrip(new Error('e', { cause: 'a string' }), codec).cause).to.equal(undefined);
  });

  it('still sends an error whose fields cannot be encoded, without its fields', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const error = Object.assign(new errors.IndexError('out of range'), { callback: () => 1, circular, code: 3 });
    const back = roundTrip(error, codec);
    expect(back).to.be.instanceOf(errors.IndexError);
    expect(back.message).to.equal('out of range');
    expect(back).to.not.have.property('code');
  });

  it('carries errors nested in arrays, Maps, and other errors', () => {
    const inner = new errors.Full('inner');
    const value = [new Map([['e', inner]]), Object.assign(new Error('outer'), { inner })];
    const back = roundTrip(value, codec);
    expect(back[0].get('e')).to.be.instanceOf(errors.Full);
    expect(back[1]).to.be.instanceOf(RemoteError);
    expect(back[1].inner).to.be.instanceOf(errors.Full);
    expect(back[1].inner.message).to.equal('inner');
  });

  it('refuses malformed error payloads with ProtocolError', () => {
    const good = ['KeyError', 'm', null, [], null];
    const bad: unknown[][] = [
      [],
      good.slice(0, 4),
      [...good, null],
      [1, 'm', null, [], null],
      ['KeyError', 2, null, [], null],
      ['KeyError', 'm', 3, [], null],
      ['KeyError', 'm', null, {}, null],
      ['KeyError', 'm', null, [['code']], null],
      ['KeyError', 'm', null, [[1, 2]], null],
      ['KeyError', 'm', null, [], 'cause'],
      ['KeyError', 'm', null, [], ['Empty', 'c', null, [], ['Full', 'cc', null, [], null]]],
    ];
    expect(codec.decode(encode(new ExtData(ExtType.Error, encode(good))))).to.be.instanceOf(KeyError);
    for (const payload of bad) {
      expectProtocolError(codec, encode(new ExtData(ExtType.Error, encode(payload))));
    }
  });

  it('does not mistake an error for a protocol failure', () => {
    // A ProtocolError as a value is data like any other error.
    const back = roundTrip(new ProtocolError('theirs'), codec);
    expect(back).to.be.instanceOf(ProtocolError);
    expect(back.message).to.equal('theirs');
  });
});
