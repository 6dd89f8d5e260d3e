/**
 * The committed API types (src/api/generated/public-api.ts) are what the public OpenAPI
 * document gives today: a service's schema or the gateway's route table changed without
 * `npm run api:types -w frontend` fails here, before the app and the API can disagree at run
 * time.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generatedSource } from '../scripts/api-types.js';

describe('generated API types', () => {
  it("src/api/generated/public-api.ts matches the gateway's public OpenAPI document", async () => {
    const committed = await readFile(GENERATED_FILE, 'utf8');
    expect(committed, 'out of date: run npm run api:types -w frontend').toBe(
      await generatedSource(),
    );
    // Assembling the document builds every service's app: allow for a loaded machine.
  }, 120_000);
});
