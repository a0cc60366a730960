// How Redis Cluster's refusals reach us through ioredis: on the last redirection it allows, ioredis
// wraps whatever reply the command got ("Too many Cluster redirections. Last error: ReplyError:
// ..."), an ordinary error reply too. Those are still that reply (NOSCRIPT, a script's MPERR); a
// wrapped redirection is a failure to reach the node, and a slot migration's refusals are retried.
// The strings are ioredis 6's, as the migration test met them on a real cluster.
import { expect } from 'chai';
import { ConnectionClosedError, ValueError } from '../../lib/index.js';
import { fromRedisError, replyMessage } from '../../lib/redis/errors.js';
import { slotMoving } from '../../lib/redis/migrating.js';

const wrapped = (reply: string): Error => new Error(`Too many Cluster redirections. Last error: ReplyError: ${reply}`);

describe('redis/redirections (ioredis Cluster errors read)', () => {
  it('an ordinary error reply on the last redirection is that reply', () => {
    expect(replyMessage(wrapped('NOSCRIPT No matching script. Please use EVAL.'))).to.equal('NOSCRIPT No matching script. Please use EVAL.');
    const error = fromRedisError(wrapped('ERR user_script:1: MPERR ValueError task_done() called too many times script: 0123'), 'Queue task_done');
    expect(error).to.be.instanceOf(ValueError);
    expect(error.message).to.equal('task_done() called too many times');
  });

  it('redirections that ran out are ConnectionClosedError; a slot migration\'s are retried', () => {
    for (const reply of ['TRYAGAIN Multiple keys request during rehashing of slot', 'ASK 15891 127.0.0.1:46029', 'MOVED 15891 127.0.0.1:39477']) {
      expect(replyMessage(wrapped(reply))).to.equal(undefined);
      expect(fromRedisError(wrapped(reply), 'x')).to.be.instanceOf(ConnectionClosedError);
      expect(slotMoving(wrapped(reply))).to.equal(true);
    }
    expect(slotMoving(wrapped('CLUSTERDOWN The cluster is down'))).to.equal(false);
    expect(slotMoving(wrapped('NOSCRIPT No matching script. Please use EVAL.'))).to.equal(false);
    expect(slotMoving(new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'))).to.equal(false);
    expect(fromRedisError(new Error('Connection is closed.'), 'x')).to.be.instanceOf(ConnectionClosedError);
  });
});
