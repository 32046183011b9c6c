"""Learning from corrections: the sorter's overlay on the model's decision (app/logic/corrections.py), its
record across reloads, and `build.py evaluate --replay` with the shipped model on real photos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.logic import report, saved
from app.logic.corrections import REASON, CorrectedRule, base_of, explain, learnable
from app.logic.mapping import REVIEW, ClassMap
from app.logic.queue import PhotoInfo, PhotoQueue
from app.logic.rules import ModelRule, Scores
from app.logic.teach import TeachConfig, TeachSet

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
META = json.loads((ROOT / "model" / "cafe" / "metadata.json").read_text())
OUT_OF_SCOPE = (0.01, 0.01, 0.02, 0.96)  # food, menu, vibes, other: the model says "not a café photo"
FOOD = (0.97, 0.01, 0.01, 0.01)


@pytest.fixture
def rule() -> CorrectedRule:
    corrections = TeachSet(TeachConfig.from_metadata(META))
    for category in ("food_and_drinks", "menu", "vibes"):
        corrections.add_label(category)
    for n in range(3):
        corrections.add_example(f"street{n}", "vibes")
    corrections.add_example("board", "menu")
    return CorrectedRule(ModelRule(ClassMap.from_metadata(META)), corrections)


def test_a_photo_the_model_sent_to_review_follows_near_corrections(rule: CorrectedRule):
    near = Scores(OUT_OF_SCOPE, (("street0", 0.62, 0.6), ("street1", 0.55, 0.5), ("street2", 0.31, 0.6),
                                 ("board", 0.2, None)))
    decision = rule.decide(near)
    assert (decision.category, decision.reason, decision.like) == ("vibes", REASON, 2)  # street2 is too far
    assert decision.base == (REVIEW, "out_of_scope") and decision.top[0][0] == "other"  # the model's own scores
    assert explain(decision, rule.name("vibes")) == " · like 2 photos you moved to Vibes"
    assert base_of(decision) == rule.model.decide(Scores(OUT_OF_SCOPE))


def test_far_corrections_change_nothing_and_a_filed_photo_needs_a_closer_one(rule: CorrectedRule):
    far = Scores(OUT_OF_SCOPE, (("street0", 0.45, 0.4), ("board", 0.3, None)))
    assert rule.decide(far) == rule.model.decide(far)
    filed = Scores(FOOD, (("street0", 0.62, 0.6),))  # near enough for a review photo, not to move a filed one
    assert rule.decide(filed).category == "food_and_drinks" and rule.decide(filed).reason == ""
    assert rule.decide(Scores(FOOD, (("street0", 0.75, 0.9),))).category == "vibes"  # kin: only out of scope
    assert rule.decide(Scores(OUT_OF_SCOPE)).category == REVIEW  # no corrections asked for: the model's
    rule.corrections.add_label("terrace")  # a category of an earlier model: its corrections are not used
    rule.corrections.add_example("old", "terrace")
    assert rule.decide(Scores(OUT_OF_SCOPE, (("old", 0.99, 0.9),))).category == REVIEW


def test_an_out_of_scope_photo_follows_a_correction_only_as_close_as_its_own_kind(rule: CorrectedRule):
    """The issue's landscape: one street photo moved to Vibes (no other of its kind: kin None) drags nothing the
    model called out of scope; with more, a photo must be as close to one as its nearest fellow correction."""
    lone = Scores(OUT_OF_SCOPE, (("board", 0.8, None),))  # the only Menu correction
    assert rule.decide(lone).category == REVIEW and rule.decide(lone).reason == "out_of_scope"
    unsure = Scores((0.5, 0.3, 0.15, 0.05), (("board", 0.8, None),))  # sent to review as unsure: no kin needed
    assert rule.decide(unsure).category == "menu"
    closer = Scores(OUT_OF_SCOPE, (("street0", 0.66, 0.65), ("street1", 0.6, 0.7)))
    assert (rule.decide(closer).category, rule.decide(closer).like) == ("vibes", 1)
    farther = Scores(OUT_OF_SCOPE, (("street0", 0.6, 0.65), ("street1", 0.6, 0.7)))  # P(same) passes, kin not
    assert rule.decide(farther).category == REVIEW


def test_a_card_is_decided_again_when_its_corrections_are_undone(rule: CorrectedRule):
    sims = (("street0", 0.62, 0.6), ("board", 0.2, None))
    decided = rule.decide(Scores(OUT_OF_SCOPE, sims))
    assert decided.category == "vibes"
    rule.corrections.remove_example("street0")
    again = rule.overlay(decided, sims)  # the page's re-decision: kept decision + cosines, no model call
    assert again == rule.model.decide(Scores(OUT_OF_SCOPE))
    assert learnable("vibes") and not learnable(REVIEW) and not learnable(None)


def test_a_corrected_result_is_kept_and_restored_with_its_reason(rule: CorrectedRule):
    queue = PhotoQueue(categories=["food_and_drinks", "menu", "vibes"])
    item = queue.add("street.jpg", 10, "image/jpeg")
    queue.take()
    decision = rule.decide(Scores(OUT_OF_SCOPE, (("street0", 0.7, 0.6),)))
    queue.finish(item.id, decision, PhotoInfo("ab" * 32, 640, 480, "2026-12-02T00:00:00Z"))
    record = json.loads(json.dumps(saved.to_record(item, "m", 1.0)))
    restored = saved.restore(PhotoQueue(categories=["food_and_drinks", "menu", "vibes"]), record, "m")
    assert restored.decision == decision
    row = report.rows([item], rule.model.cmap, "m", rule.name)[0]  # the export says who filed it
    assert (row["category"], row["model_category"], row["reason"]) == ("vibes", REVIEW, REASON)


def test_replay_learns_from_corrections_without_spreading_wrong_ones(tmp_path: Path):
    out = tmp_path / "replay.json"
    proc = subprocess.run([sys.executable, "build.py", "evaluate", "--data", str(DATA / "cafe"), "--replay",
                           "--replay-folder", f"{DATA / 'pretrain' / 'scene_skyscraper'}=vibes", "--seeds", "2",
                           "--limit", "60", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(out.read_text())["summary"]
    assert summary["relabelled_after_10.learning"]["mean"] > summary["relabelled_after_10.without"]["mean"] + 0.3
    assert summary["second_half_error.learning"]["mean"] < summary["second_half_error.without"]["mean"]
    assert summary["wrong_spread"]["mean"] < 0.05
    bad = subprocess.run([sys.executable, "build.py", "evaluate", "--data", str(DATA / "cafe"), "--replay",
                          "--replay-folder", f"{DATA / 'pretrain' / 'scene_skyscraper'}=streets", "--out",
                          str(out)], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "the model's categories are food_and_drinks, menu, vibes" in bad.stderr
