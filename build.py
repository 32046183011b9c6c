#!/usr/bin/env python3
"""snaptag's one CLI.

  python build.py                      build dist/ (the static site)
  python build.py serve [--port N]     build, then serve dist/ on 127.0.0.1
  python build.py train --data DIR     train + export a model into model/cafe (see --help)
  python build.py evaluate --data DIR  score the exported model (see --help)
  python build.py bench --out F.json   measure the built site in headless Chromium
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.errors import UserError

ROOT = Path(__file__).resolve().parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def cmd_build(args: argparse.Namespace) -> int:
    from tools.site import build_site

    build_site(ROOT, ROOT / "dist")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from tools.serve import serve
    from tools.site import build_site

    build_site(ROOT, ROOT / "dist")
    serve(ROOT / "dist", args.port, args.prefix)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from model.config import AugmentConfig, TrainConfig
    from model.train import train

    pretrain = None if args.pretrain in ("", "none") else Path(args.pretrain)
    cfg = TrainConfig(
        data=Path(args.data), out=Path(args.out), arch=args.arch, alpha=args.alpha, imgsz=args.imgsz,
        epochs=args.epochs, batch=args.batch, lr=args.lr, seed=args.seed, pretrain=pretrain,
        pretrain_epochs=args.pretrain_epochs, pretrain_size=args.pretrain_size,
        pretrain_from=Path(args.pretrain_from) if args.pretrain_from else None,
        other=not args.no_other, extra=not args.no_extra, limit=args.limit,
        balance=not args.no_balance, threshold=args.threshold, export_only=args.export_only,
        augment=AugmentConfig.off() if args.no_augment else AugmentConfig(
            crop_min_area=args.crop_min_area, flip=not args.no_flip, color=args.color, blur_p=args.blur_p,
            jpeg_p=args.jpeg_p, lowres_p=args.lowres_p),
    )
    train(cfg)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from model.evaluate import evaluate
    from model.scope import HELD_OUT

    ood = [Path(p) for p in args.ood or []]
    if args.ood_heldout:
        ood += [SHARED_DATA / "pretrain" / name for name in HELD_OUT]
    fewshot = Path(args.fewshot) if args.fewshot else None
    evaluate(Path(args.model), Path(args.data), ood, Path(args.out), args.limit, args.ood_study, fewshot)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from tools.bench import bench

    bench(ROOT, Path(args.out), Path(args.model) if args.model else None)
    return 0


def parser() -> argparse.ArgumentParser:
    from model.config import TrainConfig

    d = TrainConfig(data=Path("."))
    p = argparse.ArgumentParser(prog="build.py", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.set_defaults(func=cmd_build)
    sub = p.add_subparsers(dest="command")
    sub.add_parser("build", help="build dist/").set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="build and serve dist/ on 127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--prefix", default="/", help="serve the site under this URL path (e.g. /apps/snaptag/)")
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("train", help="train and export a model from train/ val/ test/ class folders",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    t.add_argument("--data", required=True, help="dataset root with train/ val/ test/<class>/")
    t.add_argument("--out", default=str(ROOT / "model" / "cafe"), help="where the exported model goes")
    t.add_argument("--arch", default=d.arch, choices=["mobilenet_v2", "mobilenet_v3_small"])
    t.add_argument("--alpha", type=float, default=d.alpha, help="width multiplier")
    t.add_argument("--imgsz", type=int, default=d.imgsz, help="input side in pixels")
    t.add_argument("--epochs", type=int, default=d.epochs, help="fine-tuning epochs")
    t.add_argument("--batch", type=int, default=d.batch)
    t.add_argument("--lr", type=float, default=d.lr)
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--pretrain", default=str(SHARED_DATA / "pretrain"),
                   help="pretrain/ class folders for the backbone ('none' to train from scratch)")
    t.add_argument("--pretrain-epochs", type=int, default=d.pretrain_epochs)
    t.add_argument("--pretrain-size", type=int, default=d.pretrain_size,
                   help="input side while pretraining (0: --imgsz); smaller is faster")
    t.add_argument("--pretrain-from", default=None,
                   help="backbone .weights.h5 to continue pretraining from (--pretrain-epochs 0: fine-tune from it)")
    t.add_argument("--no-other", action="store_true", help="no explicit out-of-scope class")
    t.add_argument("--no-extra", action="store_true",
                   help="no pretrain/ examples of the dataset's own classes (model/scope.py EXTRA)")
    t.add_argument("--no-balance", action="store_true", help="no class weights for small classes")
    t.add_argument("--no-augment", action="store_true", help="none of the augmentations below")
    a = d.augment
    t.add_argument("--crop-min-area", type=float, default=a.crop_min_area, help="random crops keep >= this area")
    t.add_argument("--no-flip", action="store_true", help="no horizontal flips")
    t.add_argument("--color", type=float, default=a.color, help="colour/brightness/contrast/saturation jitter")
    t.add_argument("--blur-p", type=float, default=a.blur_p, help="share of photos blurred")
    t.add_argument("--jpeg-p", type=float, default=a.jpeg_p, help="share of photos re-compressed (JPEG q 25-90)")
    t.add_argument("--lowres-p", type=float, default=a.lowres_p, help="share of photos scaled down then up again")
    t.add_argument("--limit", type=int, default=0, help="at most N images per class and split (quick runs)")
    t.add_argument("--threshold", type=float, default=d.threshold, help="min calibrated probability to file a photo")
    t.add_argument("--export-only", action="store_true",
                   help="skip training: calibrate and export the model the last run with this --out saved")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="score the exported model on a dataset (and out-of-scope photos)")
    e.add_argument("--data", required=True, help="dataset root (uses test/) or a folder of <class>/ folders")
    e.add_argument("--ood", action="append", help="a folder of photos (any depth) that belong to no class; repeatable")
    e.add_argument("--ood-heldout", action="store_true",
                   help="add the pretrain/ classes held out of all training (model/scope.py) as out-of-scope photos")
    e.add_argument("--limit", type=int, default=0, help="at most N photos per class / per --ood folder")
    e.add_argument("--ood-study", action="store_true",
                   help="compare out-of-scope rules at 5%% in-scope review on val (needs train/ and val/)")
    e.add_argument("--fewshot", default=None,
                   help="DIR with train/ and test/<class>/ of classes the model never saw: nearest-centroid "
                        "accuracy of the embedding at 1/5/10 examples per class (teach mode's task)")
    e.add_argument("--model", default=str(ROOT / "model" / "cafe"))
    e.add_argument("--out", required=True, help="report JSON; PNGs are written beside it")
    e.set_defaults(func=cmd_evaluate)

    b = sub.add_parser("bench", help="measure the built site in headless Chromium")
    b.add_argument("--out", required=True, help="JSON file for the numbers")
    b.add_argument("--model", help="an exported model folder to bench instead of model/cafe (dist/ is left alone)")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except UserError as err:  # bad input or setup: one clear line; a bug still gets its traceback
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
