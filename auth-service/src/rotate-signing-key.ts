/**
 * npm run rotate-signing-key -w auth-service -- [all|publish|activate|retire|status] [options]
 * (in a container: node dist/rotate-signing-key.js …). The steps are in signing-key-rotation.ts;
 * docs/security.md#rotation says when to run which.
 */
import { SigningKeyError } from './domain/signing-keys.js';
import { rotateSigningKey, UsageError } from './signing-key-rotation.js';

try {
  await rotateSigningKey(process.argv.slice(2), process.env, (line) => {
    process.stdout.write(`${line}\n`);
  });
} catch (err) {
  if (err instanceof UsageError || err instanceof SigningKeyError) {
    process.stderr.write(`rotate-signing-key: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
