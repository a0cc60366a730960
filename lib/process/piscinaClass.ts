// piscina, loaded on first use rather than imported: every process that loads the library (each
// child a manager or a Process starts) would otherwise spend ~15 ms loading it, and only a Pool needs it.
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';

let loaded: typeof Piscina | undefined;

/** The Piscina class (piscina's CommonJS build, which its ES module entry re-exports). */
export function piscinaClass(): typeof Piscina {
  loaded ??= (createRequire(import.meta.url)('piscina') as { Piscina: typeof Piscina }).Piscina;
  return loaded;
}
