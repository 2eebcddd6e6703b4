// A value built after the pieces whose callbacks read it (the loop: its ports are built first and
// call back into it). Set once; reading it before then is a programmer error, as reading a `let`
// before its assignment was when these pieces shared one function.

export class Late<T> {
  readonly #name: string;
  #value: T | null = null;

  constructor(name: string) {
    this.#name = name;
  }

  set(value: T): void {
    if (this.#value !== null) throw new Error(`${this.#name} set twice`);
    this.#value = value;
  }

  get(): T {
    if (this.#value === null) throw new Error(`${this.#name} read before it was built`);
    return this.#value;
  }
}
