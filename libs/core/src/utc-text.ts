// Unix milliseconds as ISO 8601 UTC text (`2026-12-04T00:30:00.000Z`), as Date#toISOString gives
// it, without a Date: the core constructs none (eslint), and this is arithmetic only. Events of
// the operator's gate (maintenance.ts) print their wall-clock times with it.
// Days to civil date: Howard Hinnant's `civil_from_days` (proleptic Gregorian, any year >= 0).

const DAY_MS = 86_400_000;

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

export function utcText(unix_ms: number): string {
  const days = Math.floor(unix_ms / DAY_MS);
  const in_day_ms = unix_ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(in_day_ms / 3_600_000);
  const minutes = Math.floor((in_day_ms % 3_600_000) / 60_000);
  const seconds = Math.floor((in_day_ms % 60_000) / 1000);
  const ms = in_day_ms % 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(ms, 3)}Z`;
}
