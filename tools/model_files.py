"""The model a build ships: model/cafe, another exported folder, or a zip of one (teach mode's *Export model*:
app/logic/taught_model.py). Checked before anything is copied, without TensorFlow: a model the worker would refuse
fails the build with the reason."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from app.logic.errors import UserError
from app.logic.spec import MODEL_FORMAT
from app.logic.taught_model import TAUGHT_FILE, expected_bytes, teach_set

MODEL_FILES = ("model.json", "metadata.json")
MAX_ZIP_BYTES = 1_000_000_000  # a model zip unpacked: the graph (3.5 MB) and 5,000 examples (26 MB) fit many times


class BuildError(UserError, RuntimeError):
    pass


def unpacked(zip_path: Path, into: Path) -> Path:
    """A model zip's files in a folder of `into` named by the zip's content (unpacked once). Only plain files
    at the top (model.json, metadata.json, *.bin) are taken: no paths, so nothing lands outside the folder."""
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:12]
    folder = into / f"{zip_path.stem}-{digest}"
    if (folder / "metadata.json").is_file():
        return folder
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            names = [m.filename for m in members]
            odd = [n for n in names if "/" in n or "\\" in n or n.startswith(".")
                   or not (n in MODEL_FILES or n.endswith(".bin"))]
            if odd or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise BuildError(f"{zip_path} is not a snaptag model zip (it holds {', '.join(odd[:3]) or 'too much'})"
                                 "; expected model.json, metadata.json and .bin files")
            folder.mkdir(parents=True, exist_ok=True)
            for member in members:
                (folder / member.filename).write_bytes(zf.read(member))
    except zipfile.BadZipFile as err:
        raise BuildError(f"{zip_path} is not a readable zip: {err}") from err
    return folder


def model_files(root: Path, model: Path | None = None) -> dict[str, Path]:
    """dist-relative path -> file of the model to ship (default model/cafe); a BuildError says what is wrong."""
    model = model or root / "model" / "cafe"
    if model.is_file() and zipfile.is_zipfile(model):
        model = unpacked(model, root / "runs" / "models")
    if any(not (model / n).is_file() for n in MODEL_FILES):
        raise BuildError(f"no exported model in {model}: run `python build.py train --data DIR` first, or give the "
                         "zip or folder teach mode's Export model made")
    try:
        meta = json.loads((model / "metadata.json").read_text())
        shards = [p for group in json.loads((model / "model.json").read_text())["weightsManifest"]
                  for p in group["paths"]]
    except (ValueError, KeyError, TypeError) as err:
        raise BuildError(f"{model}: metadata.json or model.json is not readable: {err}") from err
    if meta.get("format") != MODEL_FORMAT:
        raise BuildError(f"{model}: model format {meta.get('format')!r} is not {MODEL_FORMAT}: export it again")
    missing = [p for p in shards if "/" in p or not (model / p).is_file()]
    if missing:
        raise BuildError(f"{model}: the weights {', '.join(missing)} are missing")
    names = [*MODEL_FILES, *shards]
    if meta.get("taught") is not None:
        try:
            teach_set(meta)
            expected = expected_bytes(meta)
        except (ValueError, KeyError, TypeError) as err:
            raise BuildError(f"{model}: its taught labels are not usable: {err}") from err
        size = (model / TAUGHT_FILE).stat().st_size if (model / TAUGHT_FILE).is_file() else None
        if size != expected:
            raise BuildError(f"{model}: {TAUGHT_FILE} has {size} bytes, not the {expected} its metadata says: "
                             "export the model again")
        names.append(TAUGHT_FILE)
    return {f"model/{name}": model / name for name in names}
