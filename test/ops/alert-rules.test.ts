import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath, run, requireTool } from './support.js';

// The alert rules' unit tests: promtool feeds each file's series to monitoring/prometheus/alerts.yml
// and checks which alerts fire, with which labels and text, and when.
const TESTS = 'monitoring/prometheus/tests';

describe('alert rules, by promtool test rules', () => {
  const files = readdirSync(repoPath(TESTS)).filter((name) => name.endsWith('.yml'));

  it('has rule tests', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes', (file) => {
    requireTool('promtool', 'prometheus');
    const result = run('promtool', ['test', 'rules', `${TESTS}/${file}`]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});
