// The BIGINT extension payload: one sign byte (0 = zero or positive, 1 = negative), then the
// magnitude as big-endian bytes without leading zeros (none at all for 0n).
import { ProtocolError } from '../errors.js';

export function bigintToBytes(value: bigint): Uint8Array {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  if (magnitude === 0n) return Uint8Array.of(0);
  const hex = magnitude.toString(16);
  const digits = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  const bytes = new Uint8Array(1 + digits.length);
  bytes[0] = negative ? 1 : 0;
  bytes.set(digits, 1);
  return bytes;
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  const sign = bytes[0];
  if (sign !== 0 && sign !== 1) throw new ProtocolError(`bad bigint payload: sign byte ${sign}`);
  if (bytes.length === 1) return 0n;
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.length - 1).toString('hex');
  const magnitude = BigInt(`0x${hex}`);
  return sign === 1 ? -magnitude : magnitude;
}
