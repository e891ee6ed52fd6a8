/**
 * A request the sidecar refuses because of what the caller sent: an HTTP 4xx with a stable
 * code, a plain message and, where it helps, a hint. Everything that comes from user input
 * is reported through this class, so that a 500 always means a bug in Palette.
 */
export type RequestErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_field'
  | 'unknown_model'
  | 'ambiguous_model'
  | 'unknown_feature'
  | 'ambiguous_feature'
  | 'unknown_group'
  | 'missing_key'
  | 'unknown_key'
  | 'wrong_key_type'
  | 'invalid_time'
  | 'too_many_entities'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'overloaded'
  | 'shutting_down';

const STATUS: Record<RequestErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  unknown_field: 400,
  unknown_model: 400,
  ambiguous_model: 400,
  unknown_feature: 400,
  ambiguous_feature: 400,
  unknown_group: 400,
  missing_key: 400,
  unknown_key: 400,
  wrong_key_type: 400,
  invalid_time: 400,
  too_many_entities: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  overloaded: 503,
  shutting_down: 503,
};

export class RequestError extends Error {
  readonly status: number;

  constructor(readonly code: RequestErrorCode, message: string, readonly hint?: string) {
    super(message);
    this.name = 'RequestError';
    this.status = STATUS[code];
  }

  /** The JSON body of the error response. */
  toJSON(): { error: { code: RequestErrorCode; message: string; hint?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) } };
  }
}

/** Closest candidate by edit distance, for "did you mean" hints; null if none is close. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
