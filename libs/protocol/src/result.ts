// Typed results for operating errors: decoding and I/O adapters return these instead of throwing.
import type { SpError } from "./errors.js";

export type Result<T, E = SpError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
