// The user's module of the start-up rows (bench/workers/startup.ts): what a Process and a Pool run.
export function nothing(): void {}

export function square(x: number): number {
  return x * x;
}
