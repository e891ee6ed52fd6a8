/** Printing diagnostics and results for the terminal. */
import { type Diagnostic, renderDiagnostic } from '../../dsl/diagnostics.js';
import type { SourceFile } from '../../dsl/source.js';

export const useColor = (): boolean => !!process.stderr.isTTY && !process.env.NO_COLOR;

export function printDiagnostics(diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, SourceFile>): void {
  for (const d of diagnostics) process.stderr.write(`${renderDiagnostic(d, files.get(d.span.file), { color: useColor() })}\n\n`);
}

export function summary(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(fileCount, 'file')}`;
}

export function diagnosticsJson(diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify(diagnostics.map((d) => ({
    code: d.code, severity: d.severity, file: d.span.file, line: d.span.line, col: d.span.col,
    endLine: d.span.endLine, endCol: d.span.endCol, message: d.message, hints: d.hints,
  })), null, 2);
}
