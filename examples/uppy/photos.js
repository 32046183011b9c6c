// An example host page: a café-map site's Uppy upload flow (@uppy/core + @uppy/dashboard + @uppy/xhr-upload,
// vendored by snaptag's build as ../../vendor/uppy/) with snaptag's Uppy plugin. Each photo added gets a
// category (meta.category, changeable in the Dashboard's file card); on upload it is replaced by an upright
// JPEG of at most 1600 px without location data, and posted with its category to `python build.py serve`'s
// test endpoint.
import { Dashboard, Uppy, XHRUpload } from '../../vendor/uppy/uppy.min.js';
import Snaptag from '../../worker/uppy.js';

window.uppy = new Uppy({ restrictions: { allowedFileTypes: ['image/*'] } })
  .use(Dashboard, { inline: true, target: '#uppy', proudlyDisplayPoweredByUppy: false, height: 520 })
  .use(Snaptag, { resize: { maxSide: 1600 } })
  .use(XHRUpload, { endpoint: './upload', fieldName: 'photo' });
