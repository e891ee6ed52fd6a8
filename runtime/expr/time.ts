/**
 * UTC calendar arithmetic on the runtime representation: timestamps are epoch ms, dates
 * 'YYYY-MM-DD' strings. Proleptic Gregorian calendar, no time zones, no leap seconds.
 * Day numbers count days since 1970-01-01 (negative before). Integer arithmetic only
 * (Howard Hinnant's days_from_civil / civil_from_days): no Date objects on hot paths.
 */
import type { DateTruncUnit } from '../contracts/expr.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** floor(a / b) for b > 0. */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** a mod b in [0, b) for b > 0. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r + 0;
}

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year, month (1-12), day of a day number, written to a reused object. */
export interface Civil { y: number; m: number; d: number }

const scratch: Civil = { y: 0, m: 0, d: 0 };

export function civilFromDays(z: number, out: Civil = scratch): Civil {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.m = mp < 10 ? mp + 3 : mp - 9;
  out.y = yoe + era * 400 + (out.m <= 2 ? 1 : 0);
  return out;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/** Day number of a 'YYYY-MM-DD' date (year 0000-9999), or NaN if it is not a valid date. */
export function parseDate(s: string): number {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const m = digit(s, 5) * 10 + digit(s, 6);
  const d = digit(s, 8) * 10 + digit(s, 9);
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m))) return NaN; // NaN fails too
  return daysFromCivil(y, m, d);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function year(y: number): string {
  if (y >= 0 && y <= 9999) return `${y}`.padStart(4, '0');
  // ISO 8601 expanded years, as Date.prototype.toISOString.
  return (y < 0 ? '-' : '+') + `${Math.abs(y)}`.padStart(6, '0');
}

/** 'YYYY-MM-DD' of a day number. */
export function formatDate(days: number): string {
  const c = civilFromDays(days);
  return `${year(c.y)}-${pad2(c.m)}-${pad2(c.d)}`;
}

/** 'YYYY-MM-DDTHH:MM:SS.mmmZ' of epoch ms. */
export function formatTimestamp(ms: number): string {
  const days = floorDiv(ms, DAY_MS);
  let r = ms - days * DAY_MS;
  const h = Math.floor(r / HOUR_MS); r -= h * HOUR_MS;
  const mi = Math.floor(r / MINUTE_MS); r -= mi * MINUTE_MS;
  const s = Math.floor(r / 1000);
  const msPart = r - s * 1000;
  return `${formatDate(days)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${`${msPart}`.padStart(3, '0')}Z`;
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?$/;

/**
 * Epoch ms of an ISO-8601 timestamp (surrounding spaces ignored), or NaN:
 * 'YYYY-MM-DD', optionally followed by 'T' or ' ' and 'HH:MM', ':SS', '.fraction' (digits
 * past milliseconds are truncated), then 'Z' or an offset '+HH', '+HH:MM', '+HHMM'. No
 * offset means UTC.
 */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (m === null) return NaN;
  const days = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (Number.isNaN(days)) return NaN;
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || mi > 59 || s > 59) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  const z = m[8];
  if (z !== undefined && z !== 'Z' && z !== 'z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return NaN;
    offset = sign * (oh * HOUR_MS + om * MINUTE_MS);
  }
  return days * DAY_MS + h * HOUR_MS + mi * MINUTE_MS + s * 1000 + ms - offset;
}

export function hourOfDay(ms: number): number {
  return Math.floor(floorMod(ms, DAY_MS) / HOUR_MS);
}

/** ISO day of week of a day number: 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday). */
export function dayOfWeek(days: number): number {
  return floorMod(days + 3, 7) + 1;
}

/** Start (epoch ms) of the UTC minute/hour/day/ISO week/month/year holding ms. */
export function dateTrunc(unit: DateTruncUnit, ms: number): number {
  switch (unit) {
    case 'minute': return ms - floorMod(ms, MINUTE_MS);
    case 'hour': return ms - floorMod(ms, HOUR_MS);
    case 'day': return ms - floorMod(ms, DAY_MS);
    case 'week': {
      const days = floorDiv(ms, DAY_MS);
      return (days - (dayOfWeek(days) - 1)) * DAY_MS;
    }
    case 'month': {
      const c = civilFromDays(floorDiv(ms, DAY_MS));
      return daysFromCivil(c.y, c.m, 1) * DAY_MS;
    }
    case 'year': {
      const c = civilFromDays(floorDiv(ms, DAY_MS));
      return daysFromCivil(c.y, 1, 1) * DAY_MS;
    }
  }
}
