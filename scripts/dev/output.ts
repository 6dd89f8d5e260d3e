import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

// Colour only for a human at a terminal: piped into a file or a test, escape codes are noise.
const useColour = process.stdout.isTTY;

const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93] as const;
const names: string[] = [];
let width = 0;

/** Registers every name up front, so all prefixes line up from the first line on. */
export function registerNames(all: readonly string[]): void {
  for (const name of all) {
    if (!names.includes(name)) names.push(name);
    width = Math.max(width, name.length);
  }
}

function paint(code: number, text: string): string {
  return useColour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function prefix(name: string): string {
  const index = names.indexOf(name);
  const colour = PALETTE[(index < 0 ? 0 : index) % PALETTE.length] ?? 36;
  return paint(colour, `${name.padEnd(width)} |`);
}

/** Writes each line of text under a name's prefix. */
export function writeLines(name: string, text: string, stream: Writable = process.stdout): void {
  for (const line of text.split('\n')) stream.write(`${prefix(name)} ${line}\n`);
}

/** The orchestrator's own messages, under the same kind of prefix as the services'. */
export const say = (text: string): void => {
  writeLines('dev', text);
};
export const warn = (text: string): void => {
  writeLines('dev', paint(33, text), process.stderr);
};
export const fail = (text: string): void => {
  writeLines('dev', paint(31, text), process.stderr);
};

/**
 * Copies a child's output line by line under its prefix. Whole lines only, so two children
 * writing at once never interleave inside a line.
 */
export function pipeLines(
  name: string,
  input: Readable,
  output: Writable,
  intercept?: (line: string) => boolean,
): void {
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (intercept?.(line)) return;
    output.write(`${prefix(name)} ${line}\n`);
  });
}

export function bold(text: string): string {
  return paint(1, text);
}
