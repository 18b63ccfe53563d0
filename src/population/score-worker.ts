// Worker-thread entry of the one-machine pool (piscina): one batch in, its compact outcomes out.
import { processBatch, type BatchResult, type BatchTask, type WriteTarget } from './process-batch.ts';

export default function scoreBatch(input: { task: BatchTask; target: WriteTarget | null }): Promise<BatchResult> {
  return processBatch(input.task, input.target);
}
