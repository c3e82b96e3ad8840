/** String interning: every distinct string is stored once and referred to by a small integer id. Id 0 is "". */
export class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  constructor() {
    this.intern('');
  }

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  /** The id of `s` if it was interned, else -1 (never adds). */
  lookup(s: string): number {
    return this.ids.get(s) ?? -1;
  }

  get(id: number): string {
    return this.values[id] ?? '';
  }

  get size(): number {
    return this.values.length;
  }
}
