// Type checks of the package's declarations (pkg/index.d.ts), compiled with `tsc --strict
// --noEmit`: the `@ts-expect-error` lines fail the check when the declarations stop rejecting
// them.
import * as tc from '../../../pkg/index.js';

export function fakeAndTransfers(): void {
  const queue = new tc.Queue({
    rootUrl: 'https://tc.example.com',
    fake: { task: async (taskId: string) => ({ taskId }), latestArtifact: (_t: string, _n: string) => ({ storageType: 'error' }) },
  });
  // @ts-expect-error: not a Queue method
  new tc.Queue({ rootUrl: 'https://tc.example.com', fake: { notAQueueMethod: () => 1 } });
  new tc.Object({ rootUrl: 'https://tc.example.com', fake: { createUpload: () => ({}), finishUpload: () => undefined } });
  new tc.Secrets({ rootUrl: 'https://tc.example.com', fake: null });
  const calls: Record<string, Array<Record<string, unknown>>> | undefined = queue.fakeCalls;
  const plainQueue = { latestArtifact: (taskId: string, name: string) => queue.latestArtifact(taskId, name) };
  const options = { taskId: 'T', name: 'public/x', queue: plainQueue, rootUrl: 'https://tc.example.com', streamFactory: () => new WritableStream(), timeout: 1000, idleTimeout: 5000 };
  const ok: Promise<string> = tc.downloadArtifact(options);
  ok.catch(() => {});
  // @ts-expect-error: an object without startDownload cannot be downloaded from
  tc.download({ name: 'x', object: { createUpload() {} }, streamFactory: () => new WritableStream() }).catch(() => {});
  void calls;
}
