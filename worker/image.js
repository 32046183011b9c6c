// Pixels in the worker: decode (EXIF orientation applied), the model's input, and JPEGs (a card's thumbnail, the
// resize verb's result). Nothing here touches the model.

export class RequestError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export async function decode(source) {
  let bitmap;
  try {
    bitmap = source instanceof ImageBitmap
      ? source
      : await createImageBitmap(source, { imageOrientation: 'from-image' });
  } catch (err) {
    throw new RequestError('decode', `could not decode image: ${err.message || err}`);
  }
  if (bitmap.width === 0 || bitmap.height === 0) {
    bitmap.close();
    throw new RequestError('decode', 'the image has no pixels');
  }
  return bitmap;
}

// The part of the photo the model sees: all of it ('squash') or its centred square ('crop'), as
// model/dataset/data.py's centre_square does on the CPython side.
function sourceRect(bitmap, resize) {
  const { width, height } = bitmap;
  if (resize !== 'crop') return [0, 0, width, height];
  const side = Math.min(width, height);
  return [Math.floor((width - side) / 2), Math.floor((height - side) / 2), side, side];
}

// The model's input: RGB 0-255 as float32, size x size (the graph normalises, as Keras applications do).
export function pixels(bitmap, { size, resize }) {
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, ...sourceRect(bitmap, resize), 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const out = new Float32Array(size * size * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    out[j] = rgba[i];
    out[j + 1] = rgba[i + 1];
    out[j + 2] = rgba[i + 2];
  }
  return out;
}

function draw(src, width, height, opaque = false) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (opaque) { // JPEG has no alpha: transparent parts become white, not black
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
  }
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, 0, 0, width, height);
  return canvas;
}

// Downscale in steps of at most 2:1 (each a 2x2 average), then one last step to the exact size: one bilinear
// step from a 12 MP photo to 1600 px would sample 1 pixel in 6 and alias fine detail.
function downscale(bitmap, width, height) {
  let src = bitmap;
  let [w, h] = [bitmap.width, bitmap.height];
  while (w / 2 >= width && h / 2 >= height) {
    [w, h] = [Math.ceil(w / 2), Math.ceil(h / 2)];
    src = draw(src, w, h);
  }
  return draw(src, width, height, true);
}

// A JPEG of the bitmap with its longest side at most maxSide (never enlarged). Re-encoded from pixels, so EXIF
// (GPS, camera, the orientation already applied) and every other metadata block is left behind.
export async function jpeg(bitmap, maxSide, quality) {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const blob = await downscale(bitmap, width, height).convertToBlob({ type: 'image/jpeg', quality });
  return { blob, width, height };
}

// The file is read once: its bytes are hashed and then decoded from memory (a Blob of the same bytes).
export async function readOnce(blob) {
  const bytes = await blob.arrayBuffer();
  const hash = await crypto.subtle.digest('SHA-256', bytes);
  const sha256 = Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
  return { sha256, source: new Blob([bytes], { type: blob.type }) };
}
