"""The toolchain with its defaults, as a teacher runs it on a small flat folder (3 classes x 15 photos, one of
them a text file named .jpg and one a truncated JPEG): train succeeds, says what it skipped and which weight
precision it stored, writes the model whole, prints no TensorFlow log lines; evaluate on the same photos warns
that the model was trained on them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CAFE, ROOT
from tests.test_toolchain import run_build

CLASSES = {"cups": "food_and_drinks", "menus": "menu", "rooms": "vibes"}
TF_NOISE = ("cuda", "absl::InitializeLog", "oneDNN", "cpu_feature_guard", "TF-TRT")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def small_folder(root: Path) -> Path:
    flat = root / "parts"
    for name, source in CLASSES.items():
        (flat / name).mkdir(parents=True)
        for photo in sorted((CAFE / "train" / source).glob("*.jpg"))[:15]:
            shutil.copy(photo, flat / name / photo.name)
    (flat / "cups" / "notes.jpg").write_text("not a photo, a text file with the wrong name\n")
    whole = sorted((CAFE / "val" / "menu").glob("*.jpg"))[0].read_bytes()
    (flat / "menus" / "cut-off.jpg").write_bytes(whole[: len(whole) // 3])
    return flat


def test_train_with_its_defaults_on_a_small_flat_folder_then_evaluate_warns_it_saw_those_photos(tmp_path, cache,
                                                                                               browser):
    flat = small_folder(tmp_path)
    out = tmp_path / "out" / "parts-model"
    proc = run_build("train", "--data", str(flat), "--out", str(out), cache=cache)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-4000:]
    skipped = next(line for line in said.splitlines() if line.startswith("warning: skipped"))
    assert "skipped 2 photos that can't be read" in skipped
    assert "cups/notes.jpg" in skipped and "menus/cut-off.jpg" in skipped
    assert "Traceback" not in said
    stored = next(line for line in said.splitlines() if line.startswith("weights stored as"))
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["precision"] in ("mixed", "float16", "float32") and stored.startswith(
        f"weights stored as {meta['precision']} (the smallest")
    assert meta["threshold"] == 0.8  # the default said in --help, once
    assert not [line for line in said.splitlines() if any(word in line for word in TF_NOISE)], said[-3000:]
    assert sorted(p.name for p in out.parent.iterdir()) == ["parts-model"]  # nothing half-written beside it
    trained = (out / "trained-on.txt").read_text().split()
    assert len(trained) >= 30 and all(len(h) == 16 for h in trained)

    proc = run_build("evaluate", "--model", str(out), "--data", str(flat), "--out", str(tmp_path / "r.json"),
                     cache=cache)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-3000:]
    warning = next(line for line in said.splitlines() if "ones this model was trained on" in line)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["trained_on"] >= 30 and f"{report['trained_on']} of " in warning
    assert "skipped 2 photos that can't be read" in said and "Traceback" not in said

    # ... and the teacher serves it: the page sorts into the folder's classes, by name.
    from tests.test_journeys_e2e import screen
    from tools.browser import open_page, wait_ready, wait_settled
    from tools.serve import serving
    from tools.site import build_site

    build_site(ROOT, tmp_path / "dist", out)
    with serving(tmp_path / "dist") as srv:
        s = open_page(browser, srv.url)
        wait_ready(s.page)
        counts = s.page.inner_text("#counts")
        assert all(name in counts for name in ("Cups", "Menus", "Rooms", "Needs review")), counts
        photo = sorted((CAFE / "test" / "menu").glob("*.jpg"))[0]
        s.page.set_input_files("#upload", [str(photo)])
        wait_settled(s.page, 1)
        card = s.page.inner_text("#results [data-result]")
        assert any(name in card for name in ("Cups", "Menus", "Rooms", "Needs review")), card
        assert "menus" not in card and "rooms" not in card, card  # names, never the folder ids
        screen(s.page, "toolchain-served-model")
        assert not s.errors
        s.context.close()


def test_train_refuses_a_class_left_empty_and_leaves_nothing_in_out(tmp_path, cache):
    flat = tmp_path / "flat"
    for name in ("cups", "rooms"):
        (flat / name).mkdir(parents=True)
    for photo in sorted((CAFE / "train" / "vibes").glob("*.jpg"))[:6]:
        shutil.copy(photo, flat / "rooms" / photo.name)
    for i in range(4):
        (flat / "cups" / f"broken{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    out = tmp_path / "m"
    proc = run_build("train", "--data", str(flat), "--out", str(out), "--pool", "none", cache=cache)
    assert proc.returncode == 2, (proc.stdout + proc.stderr)[-3000:]
    assert "skipped 4 photos that can't be read" in proc.stdout
    assert "cups" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".m.*"))
