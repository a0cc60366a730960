// What a RedisManager does when Redis or its data is not what it expects: a value that does not
// decode is a ProtocolError, a key of another Redis type a TypeError naming the problem; Redis down
// makes pending calls reject ConnectionClosedError within `callTimeout`, and calls work again once
// it is back; an AOF-persisted server restarted with items queued still has them.
import { expect } from 'chai';
import { ConnectionClosedError, ProtocolError, RedisManager, TypeError as PyTypeError } from '../../lib/index.js';
import { rejectionOf } from '../helpers/assertions.js';
import { RedisServer } from './helpers/redisServer.js';

describe('redis/failures', function () {
  this.timeout(30_000);

  it('an undecodable value is ProtocolError, a key of the wrong Redis type TypeError; the manager keeps working', async () => {
    const server = await RedisServer.start();
    const m = new RedisManager({ url: server.url });
    try {
      await m.connect();
      const d = await m.dict<string, unknown>();
      await d.set('ok', 1);
      await m.client.hset(`mp:{${d._token.id}}:d`, Buffer.from([0xa2, 0x6b, 0x6b]), Buffer.from([0xc1]));
      expect(await rejectionOf(d.items())).to.be.instanceOf(ProtocolError);
      const named = `mp:{dict:=clobbered}:d`;
      await m.client.set(named, 'a plain string');
      const error = await rejectionOf(m.named('clobbered').dict().then((clobbered) => clobbered.set('k', 1)));
      expect(error).to.be.instanceOf(PyTypeError);
      expect(error.message).to.match(/another kind of value/);
      expect(await d.get('ok')).to.equal(1);
    } finally {
      await m.close();
      await server.stop();
    }
  });

  it('the single-command paths (dict, list, Value, Namespace) give the same errors: ProtocolError, TypeError for another Redis type, KeyError', async () => {
    const server = await RedisServer.start();
    const m = new RedisManager({ url: server.url });
    try {
      await m.connect();
      const d = await m.dict<string, unknown>();
      const l = await m.list<unknown>([1]);
      const v = await m.Value('i', 1);
      const ns = await m.Namespace<Record<string, unknown>>({ a: 1 });
      const data = (id: string): string => `mp:{${id}}:d`;
      // A value that does not decode (0xc1 is never used by msgpack), read by HGET, LINDEX, GET.
      await m.client.hset(data(d._token.id), Buffer.from([0xa2, 0x6b, 0x6b]), Buffer.from([0xc1]));
      await m.client.rpush(data(l._token.id), Buffer.from([0x01, 0x02]));
      await m.client.hset(data(ns._token.id), 'bad', Buffer.from([0xa3, 0x6b]));
      expect(await rejectionOf(d.get('kk'))).to.be.instanceOf(ProtocolError);
      expect(await rejectionOf(d.getItem('kk'))).to.be.instanceOf(ProtocolError);
      expect(await rejectionOf(l.get(1))).to.be.instanceOf(ProtocolError);
      expect(await rejectionOf(ns.get('bad'))).to.be.instanceOf(ProtocolError);
      expect(await l.get(0)).to.equal(1);
      await m.client.set(data(v._token.id), Buffer.from([0xcd, 0x01]), 'KEEPTTL');
      expect(await rejectionOf(v.get())).to.be.instanceOf(ProtocolError);
      // Missing keys, as on the built-in server.
      expect((await rejectionOf(d.getItem('absent'))).name).to.equal('KeyError');
      expect((await rejectionOf(d.delete('absent'))).name).to.equal('KeyError');
      expect((await rejectionOf(ns.get('absent'))).name).to.equal('AttributeError');
      // Each data key replaced by a key of another Redis type: every plain command says so.
      for (const p of [d, l, v, ns]) {
        await m.client.del(data(p._token.id));
        await m.client.zadd(data(p._token.id), 1, 'x');
      }
      const wrong = [d.get('k'), d.getItem('k'), d.set('k', 1), d.has('k'), d.delete('k'), l.get(0), v.get(), ns.get('a'), ns.set('a', 2)];
      for (const error of await Promise.all(wrong.map((p) => rejectionOf(p)))) {
        expect(error).to.be.instanceOf(PyTypeError);
        expect(error.message).to.match(/another kind of value/);
      }
      // A Value whose data is gone (the object was deleted) is not silently recreated.
      await m.client.del(data(v._token.id));
      expect((await rejectionOf(v.set(2))).message).to.match(/no longer exists/);
    } finally {
      await m.close();
      await server.stop();
    }
  });

  it('Redis hung (connections open, no answers): calls reject ConnectionClosedError after callTimeout; once it answers, the same proxies work', async () => {
    const server = await RedisServer.start();
    const m = new RedisManager({ url: server.url, callTimeout: 1, lease: 30 });
    try {
      await m.connect();
      const d = await m.dict<string, number>();
      await d.set('k', 1);
      server.pause(true);
      const started = performance.now();
      const errors = await Promise.all([rejectionOf(d.get('k')), rejectionOf(d.set('k', 2)), rejectionOf(d.keys())]);
      for (const error of errors) expect(error).to.be.instanceOf(ConnectionClosedError);
      expect((performance.now() - started) / 1000).to.be.within(0.9, 10);
      server.pause(false);
      expect(await d.get('k')).to.be.oneOf([1, 2]);
    } finally {
      server.pause(false);
      await m.close();
      await server.stop();
    }
  });

  it('Redis down: calls reject ConnectionClosedError within callTimeout; once Redis is back, the same proxies work', async () => {
    const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const m = new RedisManager({ url: server.url, callTimeout: 1, lease: 30 });
    try {
      await m.connect();
      const q = await m.named('survivor').Queue<string>();
      await q.put('before');
      await server.kill();
      const started = performance.now();
      const error = await rejectionOf(q.qsize());
      expect(error).to.be.instanceOf(ConnectionClosedError);
      expect((performance.now() - started) / 1000).to.be.below(10);
      await server.launch();
      let size: number | undefined;
      for (let i = 0; i < 100 && size === undefined; i++) {
        size = await q.qsize().catch(() => undefined);
      }
      expect(size).to.equal(1);
      expect(await q.get(false)).to.equal('before');
    } finally {
      await m.close();
      await server.stop();
    }
  });
});
