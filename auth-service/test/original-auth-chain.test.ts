import {
  AUTH_CHAIN_VARIANT_NAMES,
  captureAuthSnapshot,
  createTestDatabase,
  ORIGINAL_AUTH_ACCOUNTS,
  ORIGINAL_PEOPLE,
  readAuthSnapshot,
} from '@cloud-backend/shared/testing';
import { describe, expect, it } from 'vitest';

// The auth fixture rebuilds the original's database with our SQL; the snapshots were taken
// from the original's real files run with real psql (auth-capture.ts), which also checks that
// each file splits into as many statements as ours. Equal snapshots mean the fixture's tables,
// indexes, comments, statements run and failed, and rows are those of the real files.
describe.each(AUTH_CHAIN_VARIANT_NAMES)('the original auth database, history %s', (variant) => {
  it('is what the real files and psql left: catalogue, failed statements, rows', async () => {
    const db = await createTestDatabase('auth_chain');
    try {
      const built = await captureAuthSnapshot(db.url, variant);
      const { variant: captured, chain, catalog, users, logs } = await readAuthSnapshot(variant);
      expect(built.variant).toBe(captured);
      expect(built.chain).toEqual(chain);
      expect(built.catalog).toEqual(catalog);
      expect(built.users).toEqual(users);
      expect(built.logs).toEqual(logs);
    } finally {
      await db.drop();
    }
  });
});

describe('the auth fixture', () => {
  it('holds the people of the user-database fixture under the same ids', () => {
    for (const person of ORIGINAL_PEOPLE) {
      const account = ORIGINAL_AUTH_ACCOUNTS.find((candidate) => candidate.id === person.id);
      expect(account?.stored, `account ${String(person.id)}`).toEqual({
        email: person.email,
        username: person.username,
        name: person.name,
        surname: person.surname,
        role: person.role,
      });
      expect(account?.sent.createdAt).toBe(`${person.createdAt.replace(' ', 'T')}Z`);
    }
  });

  it('numbers the accounts 1..n in the order they were written', () => {
    expect(ORIGINAL_AUTH_ACCOUNTS.map((account) => account.id)).toEqual(
      ORIGINAL_AUTH_ACCOUNTS.map((_, index) => index + 1),
    );
  });
});
