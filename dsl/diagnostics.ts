/**
 * Diagnostics are data: a stable kebab-case code, a severity, a span, a plain message and
 * optional hints. The front end collects them and never throws on user input; a thrown
 * Error means a bug in Palette.
 */
import type { SourceFile, Span } from './source.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly span: Span;
  readonly message: string;
  readonly hints: readonly string[];
}

export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];

  error(code: string, span: Span, message: string, ...hints: (string | undefined | null)[]): void {
    this.items.push({ code, severity: 'error', span, message, hints: hints.filter((h): h is string => !!h) });
  }

  warning(code: string, span: Span, message: string, ...hints: (string | undefined | null)[]): void {
    this.items.push({ code, severity: 'warning', span, message, hints: hints.filter((h): h is string => !!h) });
  }

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  addAll(ds: readonly Diagnostic[]): void {
    for (const d of ds) this.items.push(d);
  }

  get all(): readonly Diagnostic[] {
    return sortDiagnostics(this.items);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) =>
    a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.start - b.span.start || a.code.localeCompare(b.code));
}

/** `rides.pal:12:5: error[unknown-field]: ...` followed by a code frame and hints. */
export function renderDiagnostic(d: Diagnostic, file: SourceFile | undefined, opts: { color?: boolean } = {}): string {
  const c = opts.color ? COLORS : NO_COLORS;
  const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const head = `${c.bold(`${d.span.file}:${d.span.line}:${d.span.col}`)}: ${sev}[${d.code}]: ${d.message}`;
  const lines = [head];
  if (file) lines.push(...codeFrame(file, d.span, c));
  for (const h of d.hints) lines.push(`  ${c.cyan('hint')}: ${h}`);
  return lines.join('\n');
}

function codeFrame(file: SourceFile, span: Span, c: Colors): string[] {
  const out: string[] = [];
  const first = Math.max(1, span.line - 1);
  const last = Math.min(file.lineCount, span.line + 1);
  const width = String(last).length;
  for (let line = first; line <= last; line++) {
    const text = file.lineText(line).replace(/\t/g, ' ');
    const gutter = String(line).padStart(width);
    out.push(`  ${c.dim(`${gutter} |`)} ${text}`);
    if (line === span.line) {
      const endCol = span.endLine === span.line ? Math.max(span.endCol, span.col + 1) : text.length + 1;
      const caret = ' '.repeat(span.col - 1) + '^'.repeat(Math.max(1, endCol - span.col));
      out.push(`  ${' '.repeat(width)} ${c.dim('|')} ${c.red(caret)}`);
    }
  }
  return out;
}

type Paint = (s: string) => string;
interface Colors { red: Paint; yellow: Paint; cyan: Paint; bold: Paint; dim: Paint }
const id: Paint = (s) => s;
const NO_COLORS: Colors = { red: id, yellow: id, cyan: id, bold: id, dim: id };
const wrap = (a: number, b: number): Paint => (s) => `\x1b[${a}m${s}\x1b[${b}m`;
const COLORS: Colors = { red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), bold: wrap(1, 22), dim: wrap(2, 22) };

/** "did you mean `fare`?" for the closest candidate within a small edit distance. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const limit = name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  for (const cand of candidates) {
    const d = editDistance(name.toLowerCase(), cand.toLowerCase());
    if (d < bestDist && d <= limit) {
      best = cand;
      bestDist = d;
    }
  }
  return best === undefined ? undefined : `did you mean \`${best}\`?`;
}

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
