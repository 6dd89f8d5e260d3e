/**
 * Preloaded into every service make dev starts (node --import). A service runs in a process
 * group of its own, so if make dev itself is killed outright (SIGKILL, a crash) nothing would
 * stop it. make dev holds the only other end of the pipe on fd 3; when that end closes, this
 * sends the service the SIGTERM make dev would have sent, and it drains and exits as usual.
 */
import { Socket } from 'node:net';

try {
  const lifeline = new Socket({ fd: 3, readable: true, writable: false });
  lifeline.on('error', () => undefined);
  lifeline.once('close', () => process.kill(process.pid, 'SIGTERM'));
  lifeline.resume();
  // The lifeline alone must not keep a service alive that has finished on its own.
  lifeline.unref();
} catch {
  // No fd 3 (the service was started by hand with this preload): nothing to watch.
}
