import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import type { ErrorBody } from '@cloud-backend/shared';

export interface UnderPressureOptions {
  /** Event-loop delay (ms) above which requests are refused; 0 turns the check off. */
  maxEventLoopDelay: number;
}

export const OVERLOADED: ErrorBody = {
  error: 'The gateway is overloaded; try again shortly',
  code: 'OVERLOADED',
};

// What operators need most while the gateway is struggling.
const ALWAYS_ANSWERED = new Set(['/metrics', '/health/ready']);

/**
 * Sheds load with a fast 503 when the event loop lags so far behind that requests would time out
 * anyway, instead of queueing them until memory runs out.
 */
export default fp<UnderPressureOptions>(
  async (app, { maxEventLoopDelay }) => {
    if (maxEventLoopDelay === 0) return;
    await app.register(underPressure, {
      maxEventLoopDelay,
      pressureHandler: async (request, reply) => {
        if (ALWAYS_ANSWERED.has(request.routeOptions.url ?? '')) return;
        await reply.code(503).header('retry-after', '5').send(OVERLOADED);
      },
    });
  },
  { name: 'gateway-under-pressure', fastify: '5.x' },
);
