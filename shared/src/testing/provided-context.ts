// What the global setup hands every test file (vitest's provide/inject).
declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL server the whole test run shares. */
    postgresAdminUrl: string;
    /** A JWKS server publishing the test signing key (testing/tokens.ts). */
    testJwksUrl: string;
  }
}

export {};
