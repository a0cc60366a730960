// The TLS flags of `serve` (--tls-cert, --tls-key, --tls-ca, --require-client-cert) and of `ping`
// (--tls-ca, --tls-cert, --tls-key): the files read into Node's TLS options.
import { readFile } from 'node:fs/promises';
import type tls from 'node:tls';
import { UsageError, fsReason } from './usage.js';

export interface TlsFlags {
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
  'require-client-cert'?: boolean;
}

/** Server options of `tls.createServer`, or undefined when no TLS flag is given. */
export async function tlsFiles(flags: TlsFlags): Promise<tls.TlsOptions | undefined> {
  const { 'tls-cert': cert, 'tls-key': key, 'tls-ca': ca, 'require-client-cert': requireClientCert = false } = flags;
  if (cert === undefined && key === undefined) {
    if (ca !== undefined || requireClientCert) throw new UsageError('--tls-ca and --require-client-cert need --tls-cert and --tls-key');
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new UsageError('TLS needs both --tls-cert and --tls-key');
  if (requireClientCert && ca === undefined) throw new UsageError('--require-client-cert needs --tls-ca, the CA client certificates chain to');
  return {
    cert: await pem('--tls-cert', cert),
    key: await pem('--tls-key', key),
    ...(ca === undefined ? {} : { ca: await pem('--tls-ca', ca) }),
    ...(requireClientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** Client options of `tls.connect`, or undefined when no TLS flag is given. */
export async function clientTlsFiles(flags: TlsFlags): Promise<tls.ConnectionOptions | undefined> {
  const { 'tls-cert': cert, 'tls-key': key, 'tls-ca': ca } = flags;
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('a client certificate needs both --tls-cert and --tls-key');
  return {
    ...(ca === undefined ? {} : { ca: await pem('--tls-ca', ca) }),
    ...(cert === undefined ? {} : { cert: await pem('--tls-cert', cert), key: await pem('--tls-key', key!) }),
  };
}

async function pem(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${file}: ${fsReason(error)}`);
  }
}
