// Objects: upload a File to the object service and download an object back, both through the
// package's streaming upload and download, with progress and the verified hashes.
import { $, busy, bytes, transfer, saveBlob, readDownload, baseName } from './ui.js';
import * as session from './session.js';

const tc = () => session.pkg();

function need(fn) {
  if (typeof tc()[fn] !== 'function') throw new Error(`This build of taskcluster-wasm has no ${fn}(): rebuild the package (cargo xtask pkg).`);
}

function suggestName() {
  const f = $('#obj-file').files[0];
  const project = $('#obj-project').value.trim() || 'www';
  return `${project}/${tc().slugid()}/${f ? f.name : 'file'}`;
}

async function upload() {
  need('upload');
  const file = $('#obj-file').files[0];
  if (!file) throw new Error('Choose a file to upload.');
  const projectId = $('#obj-project').value.trim();
  if (!projectId) throw new Error('A project is needed (object names are usually under it).');
  const name = $('#obj-name').value.trim() || suggestName();
  $('#obj-name').value = name;
  const expires = tc().fromNow($('#obj-expires').value.trim() || '1 day');
  const contentType = file.type || 'application/octet-stream';
  const t = transfer($('#obj-uploads'), 'Uploading', name);
  try {
    const { hashes } = await tc().upload({
      projectId,
      name,
      expires,
      contentType,
      contentLength: file.size,
      object: session.client('Object'),
      streamFactory: () => file,
      onProgress: t.progress,
    });
    t.done(`${bytes(file.size)} uploaded`, hashes, 'sent');
    t.box.dataset.object = name;
    $('#obj-down-name').value = name;
    // A fresh name for the next upload.
    $('#obj-name').value = '';
    delete $('#obj-name').dataset.edited;
  } catch (err) {
    t.fail(err, `Uploading ${name}`);
  }
}

async function download() {
  need('downloadStream');
  const name = $('#obj-down-name').value.trim();
  if (!name) throw new Error('Enter the name of an object.');
  const t = transfer($('#obj-downloads'), 'Downloading', name);
  try {
    const { stream, result } = tc().downloadStream({ name, object: session.client('Object'), onProgress: t.progress });
    const [data, { contentType, hashes }] = await readDownload(stream, result);
    const blob = data.slice(0, data.size, contentType);
    saveBlob(blob, baseName(name));
    t.done(`${bytes(blob.size)} · ${contentType || 'unknown type'} · saved as ${baseName(name)}`, hashes, true);
    t.box.dataset.object = name;
  } catch (err) {
    t.fail(err, `Downloading ${name}`);
  }
}

export function connectionChanged() {}

export function init() {
  $('#obj-file').addEventListener('change', () => {
    if (!$('#obj-name').dataset.edited) $('#obj-name').value = suggestName();
  });
  $('#obj-name').addEventListener('input', () => { $('#obj-name').dataset.edited = '1'; });
  $('#object-upload-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#obj-upload-btn'), $('#obj-upload-errors'), 'Uploading the object', upload);
  });
  $('#object-download-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy($('#obj-download-btn'), $('#obj-download-errors'), 'Downloading the object', download);
  });
}
