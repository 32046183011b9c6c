"""Export model, end to end: a label set taught from the host API in Chromium becomes a zip, `build_site` ships it
without TensorFlow (a separate CPython), and the sorter of that build files real photos into the taught labels,
with photos unlike them in Needs review. Also what the build refuses."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT
from tools.browser import open_page, wait_ready, wait_settled

CLOTHING = DATA / "fewshot" / "clothing"
TAUGHT = ("shoes", "pants", "dress")
HELPERS = """
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const file = (b64) => new File([bytes(b64)], 'photo.jpg', {type: 'image/jpeg'});
    const b64 = async (blob) => { let s = ''; const u = new Uint8Array(await blob.arrayBuffer());
        for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
        return btoa(s); };
"""
BUILD = """import sys; from pathlib import Path; from tools.site import build_site
build_site(Path('.'), Path(sys.argv[1]), Path(sys.argv[2]))
assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tensorflowjs')], 'TensorFlow loaded'
"""


def encoded(paths: list[Path]) -> list[str]:
    return [base64.b64encode(p.read_bytes()).decode() for p in paths]


@pytest.fixture(scope="module")
def model_zip(browser, server, tmp_path_factory) -> Path:
    """Five examples each of shoes, pants and dress, taught on the example upload form, exported as a model."""
    s = open_page(browser, server.url + "examples/upload-form/")
    train = {label: encoded(sorted((CLOTHING / "train" / label).glob("*.jpg"))[:5]) for label in TAUGHT}
    got = s.page.evaluate(f"""async (train) => {{
        {HELPERS}
        const empty = await snaptag.labels.open('nothing yet');
        const refused = await empty.exportModel().then(() => null, (err) => ({{code: err.code, message: err.message}}));
        const set = await snaptag.labels.open('clothes');
        for (const [label, photos] of Object.entries(train)) {{
            for (const p of photos) await set.addExample(file(p), label);
        }}
        return {{refused, zip: await b64(await set.exportModel())}};
    }}""", train)
    assert got["refused"]["code"] == "bad_request" and "Teach at least one label" in got["refused"]["message"]
    assert not s.errors
    s.context.close()
    path = tmp_path_factory.mktemp("export") / "snaptag-model.zip"
    path.write_bytes(base64.b64decode(got["zip"]))
    return path


def test_an_exported_model_holds_the_shipped_graph_and_the_examples(model_zip: Path):
    with zipfile.ZipFile(model_zip) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    assert sorted(files) == ["examples.bin", "group1-shard1of1.bin", "metadata.json", "model.json"]
    for name in ("model.json", "group1-shard1of1.bin"):  # the page's model files, byte for byte
        assert files[name] == (ROOT / "model" / "cafe" / name).read_bytes()
    meta = json.loads(files["metadata.json"])
    shipped = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
    assert [c["id"] for c in meta["classes"]] == list(TAUGHT) and all(c["in_scope"] for c in meta["classes"])
    assert meta["taught"]["labels"] == [{"name": label, "examples": 5} for label in TAUGHT]
    assert meta["embedding_id"] == shipped["model_id"] != meta["model_id"]
    assert meta["teach"] == shipped["teach"] and "metrics" not in meta
    assert len(files["examples.bin"]) == 15 * shipped["outputs"]["embedding"] * 4


def test_the_build_ships_a_taught_model_without_tensorflow_and_the_sorter_files_into_its_labels(
        browser, model_zip: Path, tmp_path: Path):
    from tools.serve import serving

    dist = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-c", BUILD, str(dist), str(model_zip)], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert (dist / "model" / "examples.bin").is_file()
    queries = [p for label in TAUGHT for p in sorted((CLOTHING / "test" / label).glob("*.jpg"))[:4]]
    cafe = [sorted((DATA / "cafe" / "test" / c).glob("*.jpg"))[0] for c in ("food_and_drinks", "menu", "vibes")]
    with serving(dist) as server:
        s = open_page(browser, server.url)
        page = s.page
        wait_ready(page)
        assert page.inner_text("#sort-with option[value='']") == "Model: clothes"
        for label in TAUGHT:
            page.wait_for_selector(f'[data-count="{label}"]', state="attached")
        page.set_input_files("#upload", [str(p) for p in queries + cafe])
        cards = {r["name"]: r for r in wait_settled(page, len(queries) + len(cafe))}
        right = sum(cards[p.name]["category"] == p.parent.name for p in queries)
        assert right >= 10, {p.name: (p.parent.name, cards[p.name]["category"]) for p in queries}
        assert [cards[p.name]["category"] for p in cafe] == ["review"] * 3, [cards[p.name] for p in cafe]
        verdict = page.inner_text(f'#results [data-result][data-name="{cafe[0].name}"] .verdict')
        assert verdict == "Unlike every label", verdict  # the menu says Needs review
        api = page.evaluate("snaptag.ready")
        assert [c["id"] for c in api["categories"]] == list(TAUGHT)
        assert not s.errors
        s.context.close()


def test_the_build_refuses_a_damaged_model_zip_with_the_reason(model_zip: Path, tmp_path: Path):
    from tools.site import BuildError, build_site

    with zipfile.ZipFile(model_zip) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    cases = {"examples.bin": {**files, "examples.bin": files["examples.bin"][:-4]},
             "not a snaptag model zip": {**files, "../evil.bin": b"x"},
             "classes must be its labels": {**files, "metadata.json": json.dumps(
                 {**json.loads(files["metadata.json"]), "classes": [{"id": "shoes"}]}).encode()}}
    for n, (reason, content) in enumerate(cases.items()):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in content.items():
                zf.writestr(name, data)
        bad = tmp_path / f"bad{n}.zip"
        bad.write_bytes(buf.getvalue())
        with pytest.raises(BuildError, match=reason):
            build_site(ROOT, tmp_path / f"dist{n}", bad)
