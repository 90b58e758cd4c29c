/**
 * @fileoverview The body of a redaction worker thread (see pool.ts): one job at a time, answered with
 * the result or the error's code and message.
 */
import { parentPort } from 'node:worker_threads';
import { redactTask, type WorkerRequest, type WorkerResponse } from './pool';

parentPort?.on('message', (req: WorkerRequest) => {
  let answer: WorkerResponse;
  try {
    const deadline = req.budgetMs === undefined ? undefined : performance.now() + req.budgetMs;
    const { result, wanted } = redactTask(
      req.body,
      deadline === undefined ? req.opts : { ...req.opts, deadline },
      req.task,
    );
    answer = { id: req.id, ok: true, result, wanted };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    answer = {
      id: req.id,
      ok: false,
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      message: typeof e.message === 'string' ? e.message : String(err),
    };
  }
  parentPort!.postMessage(answer);
});
