// `mpmanagers serve`'s flags as the manager options they become (the end-to-end tests run the command).
import { expect } from 'chai';
import { FLAGS, serveOptions } from '../../lib/cli/commands/serve.js';
import { parseFlags, UsageError } from '../../lib/cli/usage.js';

const optionsOf = (args: string[]) => serveOptions(parseFlags(args, FLAGS));

describe('mpmanagers serve: flags to options', () => {
  it('passes the limits, heartbeat, handshake and pool modules to the server', () => {
    const options = optionsOf([
      '--address', '0.0.0.0:5000',
      '--max-connections', '10', '--max-in-flight', 'none', '--max-objects-per-connection', '7', '--idle-timeout', '2.5',
      '--handshake-timeout', '3', '--max-frame-size', '1024', '--backlog', '64',
      '--heartbeat-interval', '1', '--heartbeat-timeout', '4',
      '--pool-module', './a.js', '--pool-module', '/abs/b.mjs',
    ]);
    expect(options).to.deep.include({
      address: ['0.0.0.0', 5000],
      maxConnections: 10,
      maxInFlight: null,
      maxObjectsPerConnection: 7,
      idleTimeout: 2.5,
      handshakeTimeout: 3,
      maxFrameSize: 1024,
      backlog: 64,
      heartbeatInterval: 1,
      heartbeatTimeout: 4,
      poolModules: ['./a.js', '/abs/b.mjs'],
    });
  });

  it('defaults to 127.0.0.1 on any free port, leaving every other option to the server', () => {
    const options = optionsOf([]);
    expect(options.address).to.deep.equal(['127.0.0.1', 0]);
    expect(Object.entries(options).filter(([key, value]) => key !== 'address' && value !== undefined)).to.deep.equal([]);
  });

  it('refuses bad numbers, both an address and a socket, and IPv6 without brackets', () => {
    for (const args of [
      ['--max-connections', '0'],
      ['--max-connections', '1.5'],
      ['--idle-timeout', '-1'],
      ['--backlog', 'x'],
      ['--address', '127.0.0.1:1', '--socket', '/tmp/s'],
      ['--address', '::1:5000'],
    ]) {
      expect(() => optionsOf(args), args.join(' ')).to.throw(UsageError);
    }
    expect(optionsOf(['--address', '[::1]:5000']).address).to.deep.equal(['::1', 5000]);
  });
});
