/**
 * The committed API types (src/api/generated) are what the services' route schemas give today:
 * a schema changed without `npm run api:types -w frontend` fails here, before the app and the
 * service can disagree at run time.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generatedFile, generatedSource, SERVICES, type Service } from '../scripts/api-types.js';

describe('generated API types', () => {
  for (const service of Object.keys(SERVICES) as Service[]) {
    it(`src/api/generated/${service}.ts matches ${service}'s OpenAPI document`, async () => {
      const committed = await readFile(generatedFile(service), 'utf8');
      expect(committed, 'out of date: run npm run api:types -w frontend').toBe(
        await generatedSource(service),
      );
    });
  }
});
