import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

/**
 * The password for a command-line tool: asked for on a terminal without echoing what is typed
 * (nothing lands on the screen or in a recording of it), or read as the first line of stdin
 * when it is a pipe (`printf '%s\n' "$PASSWORD" | npm run create-admin ...`). Undefined when
 * nothing was given.
 */
export async function readPassword(question: string): Promise<string | undefined> {
  const answer = process.stdin.isTTY ? await askHidden(question) : await firstLine();
  return answer === '' ? undefined : answer;
}

/**
 * readline in terminal mode puts the terminal in raw mode (so the terminal itself echoes
 * nothing) and echoes each key through its output; that output goes nowhere once the question
 * has been shown.
 */
async function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  rl.on('SIGINT', () => {
    process.stdout.write('\n');
    process.exit(130);
  });
  try {
    process.stdout.write(question);
    muted = true;
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}

async function firstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]?.replace(/\r$/, '') ?? '';
}
