// Certificates made at test time with the openssl CLI, in a temporary directory: a CA, a server
// certificate for 127.0.0.1 / localhost, a client certificate (for mutual TLS), and a client
// certificate from an unrelated CA that nobody trusts.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  ca: Buffer;
  server: { key: Buffer; cert: Buffer };
  client: { key: Buffer; cert: Buffer };
  /** Signed by another CA: refused by a server that trusts only `ca`. */
  rogueClient: { key: Buffer; cert: Buffer };
  /** Removes the temporary directory. */
  remove(): Promise<void>;
}

export async function makeCertificates(): Promise<Certificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mpmanagers-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });

  async function authority(name: string): Promise<void> {
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`));
  }
  async function leaf(name: string, signer: string, extensions: string): Promise<{ key: Buffer; cert: Buffer }> {
    await writeFile(file(`${name}.ext`), extensions);
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    await openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${signer}.crt`), '-CAkey', file(`${signer}.key`),
      '-CAcreateserial', '-days', '1', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
    return { key: await readFile(file(`${name}.key`)), cert: await readFile(file(`${name}.crt`)) };
  }

  await authority('test-ca');
  await authority('rogue-ca');
  const server = await leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const client = await leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  const rogueClient = await leaf('rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: await readFile(file('test-ca.crt')),
    server,
    client,
    rogueClient,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
