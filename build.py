#!/usr/bin/env python3
"""snaptag's one CLI.

  python build.py                      build dist/ (the static site)
  python build.py serve [--port N]     build, then serve dist/ on 127.0.0.1 (--model DIR: another model)
  python build.py train --data DIR     train + export a model (a new folder; see --help)
  python build.py evaluate --data DIR  score the exported model (see --help)
  python build.py fewshot --data DIR   teach mode's accuracy on new classes (see --help)
  python build.py bench --out F.json   measure the built site in headless Chromium
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.logic.errors import UserError

ROOT = Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def model_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.model) if getattr(args, "model", None) else None


def cmd_build(args: argparse.Namespace) -> int:
    from tools.site import build_site

    build_site(ROOT, ROOT / "dist", model_dir(args))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from tools.serve import serve
    from tools.site import build_site

    build_site(ROOT, ROOT / "dist", model_dir(args))
    serve(ROOT / "dist", args.port, args.prefix, args.host)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from model.backbone.variants import variant
    from model.training.config import HeadConfig, TrainConfig
    from model.training.train import train

    pool = None if args.pool in ("", "none") else Path(args.pool)
    head = HeadConfig(hidden=args.hidden, epochs=args.epochs, balance=not args.no_balance)
    cfg = TrainConfig(
        data=Path(args.data), out=Path(args.out) if args.out else None, backbone=args.backbone,
        imgsz=args.imgsz or variant(args.backbone).imgsz, resize=args.resize,
        head=head, seed=args.seed, pool=pool, other=not args.no_other, extra=not args.no_extra, flip=args.flip,
        limit=args.limit, threshold=args.threshold, overwrite=args.overwrite, precision=args.precision,
    )
    train(cfg)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from model.dataset.scope import HELD_OUT
    from model.evaluation.evaluate import evaluate

    if args.replay:
        return cmd_replay(args)
    ood = [Path(p) for p in args.ood or []]
    if args.ood_heldout:
        ood += [SHARED_DATA / "pretrain" / name for name in HELD_OUT]
    fewshot = Path(args.fewshot) if args.fewshot else None
    evaluate(Path(args.model), Path(args.data), ood, Path(args.out), args.limit, args.ood_study, fewshot)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    import json

    from model.dataset.scope import HELD_OUT, STREETS
    from model.evaluation import replay

    folders = []
    for spec in args.replay_folder or [f"{SHARED_DATA / 'pretrain' / name}=vibes" for name in STREETS]:
        folder, sep, category = spec.rpartition("=")
        if not sep or not folder or not category:
            raise UserError(f"--replay-folder takes DIR=CATEGORY, like ../photos/streets=vibes (got {spec!r})")
        folders.append((Path(folder), category))
    if args.seeds < 1:
        raise UserError("--seeds needs 1 or more")
    ood = [SHARED_DATA / "pretrain" / name for name in HELD_OUT] if (SHARED_DATA / "pretrain").is_dir() else []
    result = replay.run(Path(args.model), Path(args.data), folders, args.seeds, args.limit, ood)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=lambda o: o.tolist()) + "\n")
    print(f"-> {out}")
    return 0


def cmd_fewshot(args: argparse.Namespace) -> int:
    from model.evaluation.evaluate import fewshot_command

    try:
        shots = tuple(sorted({int(k) for k in args.shots.split(",")}))
    except ValueError:
        raise UserError(f"--shots takes numbers separated by commas, like 1,5,10 (got {args.shots!r})") from None
    if not shots or min(shots) < 1:
        raise UserError("--shots needs numbers of 1 or more")
    fewshot_command(Path(args.model), Path(args.data), shots, args.repeats, Path(args.out) if args.out else None,
                    [Path(p) for p in args.strangers or []])
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from tools.bench import bench

    bench(ROOT, Path(args.out), Path(args.model) if args.model else None)
    return 0


def parser() -> argparse.ArgumentParser:
    from model.backbone.variants import VARIANTS
    from model.training.config import TrainConfig

    d = TrainConfig(data=Path("."))
    h = d.head
    p = argparse.ArgumentParser(prog="build.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.set_defaults(func=cmd_build)
    sub = p.add_subparsers(dest="command")
    bld = sub.add_parser("build", help="build dist/")
    bld.add_argument("--model", help="ship this exported model folder instead of model/cafe")
    bld.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="build and serve dist/ on 127.0.0.1")
    s.add_argument("--port", type=int, default=8000, help="(default: 8000)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on; 0.0.0.0 opens the page to phones on your network")
    s.add_argument("--prefix", default="/", help="serve the site under this URL path (e.g. /apps/snaptag/)")
    s.add_argument("--model", help="serve this exported model folder instead of model/cafe")
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("train", help="train and export a model from class folders")
    t.add_argument("--data", required=True,
                   help="dataset root: train/ val/ test/<class>/, or just <class>/ (split here by content hash)")
    t.add_argument("--out", default=None, help="where the exported model goes (default: a new runs/models/ folder)")
    t.add_argument("--overwrite", action="store_true", help="replace the model already in --out")
    t.add_argument("--backbone", default=d.backbone, choices=list(VARIANTS),
                   help=f"ImageNet EfficientNet-Lite (default: {d.backbone}, shipped): lite1 gives teach mode 10 "
                        "shots 0.78 vs 0.73 for 1.5x the inference time, 1.2x the bytes (docs/numbers.md)")
    t.add_argument("--imgsz", type=int, default=None, help="input side in pixels (default: the backbone's own, "
                   "lite0 224, lite1 240)")
    t.add_argument("--resize", default=d.resize, choices=["crop", "squash"],
                   help=f"crop: the photo's centred square; squash: the whole photo, aspect not kept (default: "
                        f"{d.resize})")
    t.add_argument("--hidden", type=int, default=h.hidden,
                   help=f"hidden units of the head (0: linear; default: {h.hidden})")
    t.add_argument("--epochs", type=int, default=h.epochs, help=f"head training epochs (default: {h.epochs})")
    t.add_argument("--seed", type=int, default=d.seed, help=f"(default: {d.seed})")
    t.add_argument("--pool", default=str(SHARED_DATA / "pretrain"),
                   help="class folders for the `other` class and extra examples ('none': neither; default: "
                        "../shared/data/pretrain)")
    t.add_argument("--no-other", action="store_true", help="no explicit out-of-scope class")
    t.add_argument("--no-extra", action="store_true",
                   help="no pool examples of the dataset's own classes (model/dataset/scope.py EXTRA)")
    t.add_argument("--no-balance", action="store_true", help="no class weights for small classes")
    t.add_argument("--flip", action="store_true", help="also train on mirrored photos")
    t.add_argument("--limit", type=int, default=0, help="at most N images per class and split (quick runs)")
    t.add_argument("--threshold", type=float, default=d.threshold,
                   help=f"min calibrated probability to file a photo (default: {d.threshold}, the shipped model's)")
    t.add_argument("--precision", default=d.precision, choices=["auto", "mixed", "float16", "uint8", "float32"],
                   help="how weights are stored (model/packaging/precision.py; default: auto, the smallest of "
                        "mixed, float16, float32 whose shipped graph passes the drift check)")
    t.add_argument("--verbose", action="store_true", help="also TensorFlow's own log lines")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="score the exported model on a dataset (and out-of-scope photos)")
    e.add_argument("--data", required=True, help="dataset root (uses test/) or a folder of <class>/ folders")
    e.add_argument("--ood", action="append", help="a folder of photos (any depth) that belong to no class; repeatable")
    e.add_argument("--ood-heldout", action="store_true",
                   help="add the pretrain/ classes held out of all training (model/dataset/scope.py) as "
                        "out-of-scope photos")
    e.add_argument("--limit", type=int, default=0, help="at most N photos per class / per --ood folder")
    e.add_argument("--ood-study", action="store_true",
                   help="compare out-of-scope rules at 5%% in-scope review on val (needs train/ and val/)")
    e.add_argument("--fewshot", default=None,
                   help="DIR with train/ and test/<class>/ of classes the model never saw: nearest-centroid "
                        "accuracy of the embedding at 1/5/10 examples per class (teach mode's task)")
    e.add_argument("--replay", action="store_true",
                   help="instead: replay photo streams where the user corrects every wrong card, with and without "
                        "learning from corrections (model/evaluation/replay.py)")
    e.add_argument("--replay-folder", action="append", metavar="DIR=CATEGORY",
                   help="--replay: photos the site files under CATEGORY (repeatable; default: street and building "
                        "scenes from ../shared/data/pretrain as vibes)")
    e.add_argument("--seeds", type=int, default=5, help="--replay: shuffles per folder (default: 5)")
    e.add_argument("--model", default=str(ROOT / "model" / "cafe"), help="an exported model folder (default: "
                   "model/cafe)")
    e.add_argument("--out", required=True, help="report JSON; PNGs are written beside it")
    e.add_argument("--verbose", action="store_true", help="also TensorFlow's own log lines")
    e.set_defaults(func=cmd_evaluate)

    f = sub.add_parser("fewshot", help="teach mode's accuracy on new classes, through the exported model")
    f.add_argument("--data", required=True, help="DIR with train/<class>/ (examples) and test/<class>/ (scored)")
    f.add_argument("--shots", default="1,5,10", help="examples per class, comma-separated (default: 1,5,10)")
    f.add_argument("--repeats", type=int, default=20, help="random draws of the examples per shot count (default: "
                   "20)")
    f.add_argument("--model", default=str(ROOT / "model" / "cafe"), help="an exported model folder (default: "
                   "model/cafe)")
    f.add_argument("--out", default=None, help="also write the report to this JSON file")
    f.add_argument("--verbose", action="store_true", help="also TensorFlow's own log lines")
    f.add_argument("--strangers", action="append",
                   help="a folder of photos of none of the classes (any depth; repeatable): the share teach mode "
                        "calls unknown (evaluate --fewshot uses its --data test photos)")
    f.set_defaults(func=cmd_fewshot)

    b = sub.add_parser("bench", help="measure the built site in headless Chromium")
    b.add_argument("--out", required=True, help="JSON file for the numbers")
    b.add_argument("--model", help="an exported model folder to bench instead of model/cafe (dist/ is left alone)")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ["SNAPTAG_VERBOSE"] = "1"  # model/backbone/tfenv.py
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except UserError as err:  # bad input or setup: one clear line; a bug still gets its traceback
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
