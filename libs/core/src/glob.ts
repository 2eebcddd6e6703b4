// Redis's glob matching (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes. The
// one matcher of the project: SENTINEL RESET (admin.ts), the REST reset's name check, and the
// Sentinel protocol's PSUBSCRIBE and SENTINEL CONFIG GET. Iterative with backtracking on the last
// `*` only, so the cost is bounded by pattern x subject length.

function lower(c: string, nocase: boolean): string {
  return nocase ? c.toLowerCase() : c;
}

/** Matches one `[...]` class at pattern[p] ('[' already consumed); returns [matched, next p]. */
function matchClass(pattern: string, p: number, ch: string, nocase: boolean): [boolean, number] {
  let not = false;
  if (pattern[p] === "^") {
    not = true;
    p++;
  }
  let match = false;
  while (p < pattern.length && pattern[p] !== "]") {
    const c = pattern[p] ?? "";
    if (c === "\\" && p + 1 < pattern.length) {
      p++;
      if (lower(pattern[p] ?? "", nocase) === lower(ch, nocase)) match = true;
    } else if (pattern[p + 1] === "-" && p + 2 < pattern.length && pattern[p + 2] !== "]") {
      let start = lower(c, nocase);
      let end = lower(pattern[p + 2] ?? "", nocase);
      if (start > end) [start, end] = [end, start];
      const x = lower(ch, nocase);
      if (x >= start && x <= end) match = true;
      p += 2;
    } else if (lower(c, nocase) === lower(ch, nocase)) {
      match = true;
    }
    p++;
  }
  // p is at ']' (or past the end for an unterminated class, which Redis treats as closed).
  return [not ? !match : match, p + 1];
}

/** Whether `subject` matches `pattern` by Redis's rules (`nocase`: as Redis's case-insensitive match). */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = -1;
  while (s < subject.length) {
    const pc = pattern[p];
    if (pc === "*") {
      while (pattern[p + 1] === "*") p++;
      starP = p++;
      starS = s;
      continue;
    }
    let ok = false;
    let nextP = p + 1;
    if (pc === "?") {
      ok = true;
    } else if (pc === "[") {
      [ok, nextP] = matchClass(pattern, p + 1, subject[s] ?? "", nocase);
    } else if (pc === "\\" && p + 1 < pattern.length) {
      ok = lower(pattern[p + 1] ?? "", nocase) === lower(subject[s] ?? "", nocase);
      nextP = p + 2;
    } else if (pc !== undefined) {
      ok = lower(pc, nocase) === lower(subject[s] ?? "", nocase);
    }
    if (ok) {
      p = nextP;
      s++;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p >= pattern.length;
}
