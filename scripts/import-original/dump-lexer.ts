/**
 * Reads the plain SQL that pg_dump writes (what psql would run) one piece at a time, from a
 * stream of lines, without holding the file in memory:
 *
 *   - statements, ended by `;` outside quotes, comments, dollar-quoted bodies and parentheses;
 *   - `COPY … FROM stdin;` followed by its data lines up to `\.`, handed out as a stream;
 *   - psql meta-commands (`\connect`, `\restrict <key>`, …) on a line of their own.
 *
 * Why not a splitter from npm: the maintained one (dbgate-query-splitter) glues a meta-command
 * line to the next statement and ends an E'…' string at its first backslash-escaped quote, so a
 * pg_dump 17 dump or a comment holding `\'` would come out as broken statements.
 */

export interface Statement {
  kind: 'statement';
  /** The statement without its trailing `;`, comments kept (PostgreSQL ignores them). */
  text: string;
  /** 1-based line of the file where it starts. */
  line: number;
}

export interface CopyFromStdin {
  kind: 'copy';
  /** The `COPY … FROM stdin` statement, without its `;`. */
  text: string;
  line: number;
  /**
   * The data lines (each with its `\n`), up to but not including `\.`. Must be read to its
   * end before asking the reader for the next item.
   */
  data: AsyncIterable<string>;
}

export interface MetaCommand {
  kind: 'meta';
  /** The command's name without the backslash: `connect`, `restrict`, … */
  name: string;
  /** The rest of the line, trimmed. */
  argument: string;
  line: number;
}

export type DumpItem = Statement | CopyFromStdin | MetaCommand;

export class DumpSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Where the scanner is between characters of a statement. */
type Mode =
  | { in: 'code' }
  | { in: 'string'; backslashEscapes: boolean }
  | { in: 'identifier' }
  | { in: 'dollar'; tag: string }
  | { in: 'block-comment'; depth: number };

const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;
const COPY_FROM_STDIN = /^\s*COPY\b[\s\S]*\bFROM\s+stdin\b/i;

/**
 * Scans one line of a statement from `mode`, appending to nothing: returns the new mode, the
 * number of unmatched `(`, and the index just past a statement-ending `;`, if the line has one.
 */
function scanLine(
  line: string,
  start: number,
  mode: Mode,
  parens: number,
): { mode: Mode; parens: number; end?: number } {
  let i = start;
  while (i < line.length) {
    const ch = line[i] ?? '';
    switch (mode.in) {
      case 'string':
        if (mode.backslashEscapes && ch === '\\') {
          i += 2;
          continue;
        }
        if (ch === "'") {
          // '' inside a string is a quote, not its end.
          if (line[i + 1] === "'") {
            i += 2;
            continue;
          }
          mode = { in: 'code' };
        }
        i += 1;
        continue;
      case 'identifier':
        if (ch === '"') {
          if (line[i + 1] === '"') {
            i += 2;
            continue;
          }
          mode = { in: 'code' };
        }
        i += 1;
        continue;
      case 'dollar':
        if (ch === '$' && line.startsWith(mode.tag, i)) {
          i += mode.tag.length;
          mode = { in: 'code' };
          continue;
        }
        i += 1;
        continue;
      case 'block-comment':
        if (ch === '*' && line[i + 1] === '/') {
          mode = mode.depth === 1 ? { in: 'code' } : { in: 'block-comment', depth: mode.depth - 1 };
          i += 2;
          continue;
        }
        if (ch === '/' && line[i + 1] === '*') {
          mode = { in: 'block-comment', depth: mode.depth + 1 };
          i += 2;
          continue;
        }
        i += 1;
        continue;
      case 'code': {
        const previous = i > 0 ? (line[i - 1] ?? '') : '';
        if (ch === '-' && line[i + 1] === '-') return { mode, parens }; // comment to line end
        if (ch === '/' && line[i + 1] === '*') {
          mode = { in: 'block-comment', depth: 1 };
          i += 2;
          continue;
        }
        if (ch === "'") {
          // E'…' (or e'…') takes C-style backslash escapes; any other string does not (pg_dump
          // sets standard_conforming_strings = on).
          const prefix = previous.toLowerCase();
          const beforePrefix = i > 1 ? (line[i - 2] ?? '') : '';
          const escaped = prefix === 'e' && !IDENT_PART.test(beforePrefix);
          mode = { in: 'string', backslashEscapes: escaped };
          i += 1;
          continue;
        }
        if (ch === '"') {
          mode = { in: 'identifier' };
          i += 1;
          continue;
        }
        if (ch === '$' && !IDENT_PART.test(previous)) {
          const tag = DOLLAR_TAG.exec(line.slice(i))?.[0];
          if (tag) {
            mode = { in: 'dollar', tag };
            i += tag.length;
            continue;
          }
        }
        if (ch === '(') parens += 1;
        else if (ch === ')') parens = Math.max(0, parens - 1);
        else if (ch === ';' && parens === 0) return { mode, parens, end: i + 1 };
        i += 1;
        continue;
      }
    }
  }
  return { mode, parens };
}

/** True when a statement's text holds nothing but blanks and comments. */
function isBlank(text: string): boolean {
  let mode: Mode = { in: 'code' };
  for (const line of text.split('\n')) {
    let i = 0;
    while (i < line.length) {
      const ch = line[i] ?? '';
      if (mode.in === 'block-comment') {
        if (ch === '*' && line[i + 1] === '/') {
          mode = mode.depth === 1 ? { in: 'code' } : { in: 'block-comment', depth: mode.depth - 1 };
          i += 2;
        } else if (ch === '/' && line[i + 1] === '*') {
          mode = { in: 'block-comment', depth: mode.depth + 1 };
          i += 2;
        } else i += 1;
        continue;
      }
      if (ch === '-' && line[i + 1] === '-') break;
      if (ch === '/' && line[i + 1] === '*') {
        mode = { in: 'block-comment', depth: 1 };
        i += 2;
        continue;
      }
      if (!/\s/.test(ch)) return false;
      i += 1;
    }
  }
  return true;
}

/** The statement without leading blank lines and comment-only lines (pg_dump's headers). */
function trimLeadingComments(text: string): string {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && /^\s*(--.*)?$/.test(lines[first] ?? '')) first += 1;
  return lines.slice(first).join('\n').trim();
}

/**
 * The items of a dump, in order, from its lines (without their line breaks, as readline gives
 * them). Throws DumpSyntaxError where the file ends inside a statement, a string or COPY data.
 */
export async function* readDump(lines: AsyncIterable<string>): AsyncGenerator<DumpItem> {
  const iterator = lines[Symbol.asyncIterator]();
  let lineNumber = 0;
  const next = async (): Promise<string | undefined> => {
    const result = await iterator.next();
    if (result.done) return undefined;
    lineNumber += 1;
    return result.value;
  };

  let buffer: string[] = [];
  let startLine = 0;
  let mode: Mode = { in: 'code' };
  let parens = 0;
  // A line that held the end of one statement and the start of the next (rare in pg_dump).
  let carried: string | undefined;

  for (;;) {
    const line = carried ?? (await next());
    carried = undefined;
    if (line === undefined) break;

    if (buffer.length === 0 && mode.in === 'code') {
      if (/^\s*\\/.test(line)) {
        // psql meta-command: a backslash first on a line between statements.
        const [, name = '', argument = ''] = /^\s*\\([A-Za-z!?]*)(.*)$/.exec(line) ?? [];
        yield { kind: 'meta', name, argument: argument.trim(), line: lineNumber };
        continue;
      }
      // Blank and comment lines between statements (pg_dump's headers) are not kept.
      if (/^\s*(--.*)?$/.test(line)) continue;
    }

    if (buffer.length === 0) startLine = lineNumber;
    const scan = scanLine(line, 0, mode, parens);
    mode = scan.mode;
    parens = scan.parens;
    if (scan.end === undefined) {
      buffer.push(line);
      continue;
    }

    buffer.push(line.slice(0, scan.end - 1));
    const rest = line.slice(scan.end);
    const raw = buffer.join('\n');
    const statementLine = startLine;
    buffer = [];
    parens = 0;
    if (rest.trim() !== '' && !/^\s*--/.test(rest)) carried = rest;

    const text = trimLeadingComments(raw);
    if (text === '' || isBlank(text)) continue;

    if (COPY_FROM_STDIN.test(text)) {
      const state = { finished: false };
      const copyLine = statementLine;
      const data = async function* (): AsyncGenerator<string> {
        for (;;) {
          const dataLine = await next();
          if (dataLine === undefined) {
            throw new DumpSyntaxError('the file ends inside COPY data (no \\. line)', copyLine);
          }
          if (dataLine === '\\.') break;
          yield `${dataLine}\n`;
        }
        state.finished = true;
      };
      const stream = data();
      yield { kind: 'copy', text, line: copyLine, data: stream };
      if (!state.finished) {
        // The consumer stopped early: skip the rest of the block so reading can go on.
        for await (const ignored of stream) {
          if (ignored === '') break;
        }
      }
      continue;
    }
    yield { kind: 'statement', text, line: statementLine };
  }

  if (mode.in !== 'code') {
    const what = {
      string: 'a quoted string',
      identifier: 'a quoted identifier',
      dollar: 'a dollar-quoted body',
      'block-comment': 'a /* comment */',
    }[mode.in];
    throw new DumpSyntaxError(`the file ends inside ${what}`, startLine);
  }
  if (buffer.length > 0 && !isBlank(buffer.join('\n'))) {
    throw new DumpSyntaxError('the file ends inside a statement (no closing ;)', startLine);
  }
}
