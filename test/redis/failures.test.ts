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
