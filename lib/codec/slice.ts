// Python's slice object, as list proxies send it inside `__getitem__` / `__setitem__` / `__delitem__`.
export class Slice {
  constructor(
    public start: number | null = null,
    public stop: number | null = null,
    public step: number | null = null,
  ) {}
}
