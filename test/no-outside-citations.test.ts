import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The project explains itself: code, tests and docs never cite the private notes the port was
// written from (a note's name followed by a section sign or a defect number, defect ids, issue
// numbers), which nobody picking the project up can read. The original's behaviour and each fix
// are described in docs/compatibility.md: point to its anchors, or say it in plain words.

const REPO = fileURLToPath(new URL('..', import.meta.url));

// POSIX extended regular expression for `git grep -E`. The `[ ]` keep this file from matching
// its own pattern.
const CITATION = [
  '(USER|AUTH|GW|OPS)[ ]§',
  'decisions[ ]§',
  '\\bD-[A-Z]+[0-9]+\\b',
  '\\b(AUTH|GW|OPS|USER)[ ]D[0-9]+',
  '\\bD[0-9]{1,2}\\b',
  'issue[ ][0-9]',
].join('|');

interface Hit {
  path: string;
  line: string;
  text: string;
}

/** `git grep -nE CITATION` in `cwd` (extra arguments before the pattern), as hits. */
function citations(cwd: string, extra: string[] = []): Hit[] {
  const result = spawnSync('git', ['grep', '-z', '-n', ...extra, '-E', CITATION], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  // git grep: 0 with matches, 1 without; anything else is git failing.
  if (result.status === 1) return [];
  if (result.status !== 0)
    throw new Error(`git grep failed (${String(result.status)}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((record) => {
      const [path = '', line = '', ...text] = record.split('\0');
      // A binary file that matches is reported as one line of prose, without the separators.
      return text.length === 0
        ? { path: record, line: '', text: '' }
        : { path, line, text: text.join('\0') };
    });
}

describe('citations of outside notes', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'citations-'));
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('are recognised in every form the notes use', () => {
    // Each written in two parts, so that this file cites nothing itself.
    const cited = [
      ['a window (USER ', '\u00a74.8 steps 6-7)'],
      ['the claims of AUTH ', '\u00a76'],
      ["the gateway's bodies (GW ", '\u00a72.10)'],
      ['the metric names of OPS ', '\u00a77.1'],
      ['see decisions ', '\u00a75'],
      ['one 201 and 409s (D-', 'B4)'],
      ['a timing fix (AUTH D', '12)'],
      ['headers on every response (D', '5)'],
      ['the goal of issue ', '9'],
    ].map((parts) => parts.join(''));
    const plain = [
      'docs/compatibility.md#fix-double-check-in',
      'RFC 9110 \u00a77.6.1, HTTP/2, ID3 tags, D123 and CD10',
      'the original answered 500',
    ];
    writeFileSync(join(scratch, 'cited.txt'), `${cited.join('\n')}\n`);
    writeFileSync(join(scratch, 'plain.txt'), `${plain.join('\n')}\n`);

    const hits = citations(scratch, ['--no-index']);
    expect(hits.map((hit) => hit.text)).toEqual(cited);
    expect(hits.every((hit) => hit.path === 'cited.txt')).toBe(true);
  });

  it('appear in no tracked file (docs/compatibility.md has the anchors to point to)', () => {
    const found = citations(REPO).map((hit) => `${hit.path}:${hit.line}: ${hit.text.trim()}`);
    expect(found).toEqual([]);
  });
});
