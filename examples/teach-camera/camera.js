// Teach a camera two labels from this page's own code (snaptag's label-set API, docs/embedding.md): hold a button
// to add frames as examples; the bars show what the camera sees, live. The set is kept in this browser.
const LABELS = ['good part', 'defective'];
const [video, bars, status] = ['#camera', '#bars', '#status'].map((s) => document.querySelector(s));
let holding = null; // the label whose button is held down

function show(prediction, counts) {
  bars.replaceChildren(...[...LABELS, 'unknown'].map((label) => {
    const p = label === 'unknown' ? prediction.unknown : prediction.confidences[label] ?? 0;
    const row = Object.assign(document.createElement('div'), { textContent: `${label} (${counts[label] ?? '-'}) ` });
    Object.assign(row.dataset, { bar: label, prob: p.toFixed(4) });
    row.append(Object.assign(document.createElement('meter'), { value: p }));
    return row;
  }));
  status.textContent = prediction.label ?? 'Neither: unlike every example';
}

async function main() {
  const set = await snaptag.labels.open('parts');
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
  await video.play();
  document.querySelectorAll('[data-label]').forEach((b) => (b.onpointerdown = () => (holding = b.dataset.label)));
  document.onpointerup = () => (holding = null);
  for (;;) {
    try {
      if (holding) await set.addExample(video, holding);
      const counts = await set.getClassExampleCount();
      if (Object.values(counts).some((n) => n > 0)) show(await set.predictClass(video), counts);
      else status.textContent = 'Hold a button to add examples of it';
    } catch (err) {
      status.textContent = `Sorry: ${err.message}`;
    }
    await new Promise((next) => setTimeout(next, 30));
  }
}

main().catch((err) => (status.textContent = `Sorry: ${err.message}`));
