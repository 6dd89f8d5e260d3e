import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';

const { Document, Spectral } = spectralCore;
const { Json } = spectralParsers;
const { oas } = spectralRulesets;

export interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** Where in the document, e.g. paths./login.post.operationId. */
  path: string;
  message: string;
}

const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;

/**
 * Spectral's `spectral:oas` ruleset (its recommended rules, what `extends: spectral:oas` gives
 * the command-line tool) run in this process over one OpenAPI document.
 */
export async function lintOpenApi(document: unknown): Promise<Finding[]> {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
  const results = await spectral.run(new Document(JSON.stringify(document), Json));
  return results.map((result) => ({
    rule: String(result.code),
    severity: SEVERITIES[result.severity],
    path: result.path.join('.'),
    message: result.message,
  }));
}
