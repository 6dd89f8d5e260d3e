import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath, run, requireTool } from './support.js';

// `promtool test rules` cases: input series over time and the alerts expected at given moments,
// evaluated by Prometheus' own rule engine against monitoring/prometheus/alerts.yml.
const TESTS_DIR = 'monitoring/prometheus/tests';

const files = readdirSync(repoPath(TESTS_DIR))
  .filter((name) => name.endsWith('.yml'))
  .sort();

describe('alert rules under promtool test rules', () => {
  it('has test cases', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s passes', (file) => {
    requireTool('promtool', 'prometheus');
    const result = run('promtool', ['test', 'rules', `${TESTS_DIR}/${file}`]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});
