// One scenario per bundle, against the local deployment: an authenticated call, and a
// verified download (an object artifact: fetched through a signed startDownload, its hashes
// checked; with the hashes made wrong by a fault, the download fails as an integrity error).
export async function scenario(tc, { rootUrl, clientId, accessToken }) {
  const credentials = { clientId, accessToken };
  const { scopes } = await new tc.Auth({ rootUrl, credentials }).currentScopes();

  const queue = new tc.Queue({ rootUrl, credentials, retries: 0 });
  const taskId = 'DemoTaskQ0e0CompletedA';
  const name = 'public/object.txt';
  const sink = () => {
    const parts = [];
    const stream = new WritableStream({ write(c) { parts.push(new Uint8Array(c)); } });
    return { parts, factory: () => stream };
  };
  const good = sink();
  const contentType = await tc.downloadArtifact({ taskId, runId: 0, name, queue, streamFactory: good.factory });
  const text = new TextDecoder().decode(new Uint8Array(good.parts.flatMap((p) => [...p])));

  const start = `/api/object/v1/start-download/${encodeURIComponent(`t/${taskId}/0/${name}`)}`;
  const fault = await fetch(`${rootUrl}/__devserver/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'PUT', pathPrefix: start, times: 1, action: { kind: 'wrongHash' } }),
  });
  if (!fault.ok) throw new Error(`fault: ${fault.status}`);
  let wrongHash = null;
  try {
    await tc.downloadArtifact({ taskId, runId: 0, name, queue, streamFactory: sink().factory });
  } catch (err) {
    wrongHash = err.kind;
  }
  return { scopes, contentType, text, wrongHash };
}
