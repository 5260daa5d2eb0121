// Errors a source reports to the operator (ERR_INPUT: bad input path, unreadable stdin;
// ERR_CONFIG: options the source cannot honour, same code as a bad config file).
// The CLI prints `message` alone — no stack trace — so the message names what failed and
// what to do about it. Callers match on `code`, never on the class or the text.

export type SourceErrorCode = 'ERR_INPUT' | 'ERR_CONFIG';

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceError';
    this.code = code;
  }
}
