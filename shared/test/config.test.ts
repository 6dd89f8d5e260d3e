import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, commonEnv, databaseEnv, jwtEnv, loadConfig } from '../src/index.js';

const schema = Type.Object({ ...commonEnv(3001), ...databaseEnv, ...jwtEnv });
const valid = {
  DATABASE_URL: 'postgres://auth:secret@localhost:5432/auth',
  JWKS_URL: 'http://auth-service:3001/.well-known/jwks.json',
};

describe('loadConfig', () => {
  it('fills development defaults and coerces numbers', () => {
    const config = loadConfig(schema, { ...valid, DATABASE_POOL_MAX: '4' });
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 3001,
      LOG_LEVEL: 'info',
      DATABASE_POOL_MAX: 4,
      SHUTDOWN_TIMEOUT_MS: 10000,
    });
  });

  it('keeps only the variables the schema names', () => {
    const config = loadConfig(schema, { ...valid, PATH: '/usr/bin', HOME: '/root' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('HOME');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(schema, { ...valid, PORT: '' }).PORT).toBe(3001);
  });

  it('reports every missing or invalid variable at once, with what it expects', () => {
    let error: unknown;
    try {
      loadConfig(schema, { DATABASE_URL: 'mysql://x', PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'JWKS_URL',
      'LOG_LEVEL',
      'PORT',
    ]);
    expect(problems.find((p) => p.variable === 'JWKS_URL')?.expected).toMatch(
      /^missing; expected auth-service's public key set/,
    );
    expect(problems.find((p) => p.variable === 'PORT')?.expected).toMatch(
      /^invalid; expected a TCP port/,
    );
    expect((error as Error).message).toContain('DATABASE_URL: invalid; expected');
  });

  it('never echoes a value, which may be a secret', () => {
    try {
      loadConfig(schema, { ...valid, JWT_SECRET: 'short-secret-value' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('JWT_SECRET');
      expect((err as Error).message).not.toContain('short-secret-value');
    }
  });
});
