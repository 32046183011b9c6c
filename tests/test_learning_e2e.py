"""The sorter learns from the user's corrections, in headless Chromium with the real model and real photos:
street photos the model sends to review, moved to Vibes by hand, take similar photos with them (those on the page
and those added later); café photos are left alone; a correction is undone one by one, forgotten, exported and
imported again, and kept across a reload."""

from __future__ import annotations

import json
import zipfile

from tests.conftest import DATA, photos
from tools.browser import by_name, open_page, wait_ready, wait_settled

STREETS = sorted((DATA / "pretrain" / "scene_courtyard").glob("*.jpg"))
CORRECTED, LATER = 10, 20


def corrections(page) -> int:
    return page.evaluate("+document.getElementById('corrections-count').textContent")


def settle(page, n_corrections: int) -> None:
    """Wait until the corrections are stored and every card has followed them (results written)."""
    page.wait_for_function(f"+document.getElementById('corrections-count').textContent === {n_corrections}")
    page.wait_for_timeout(600)  # the cards follow a burst of changes once, 0.2 s after it
    page.wait_for_function("(document.documentElement.dataset.saving || '0') === '0'")


def filed_as_vibes(page, names) -> list[str]:
    cards = by_name(page)
    return [n for n in names if cards[n]["category"] == "vibes"]


def test_corrections_move_similar_photos_and_can_be_undone_exported_and_imported(browser, server, tmp_path):
    s = open_page(browser, server.url)
    page = s.page
    page.on("dialog", lambda d: d.accept())
    wait_ready(page)
    cafe = photos("test", 3)
    first = STREETS[:30]
    page.set_input_files("#upload", [str(p) for p, _ in cafe] + [str(p) for p in first])
    before = {r["name"]: r for r in wait_settled(page, len(cafe) + len(first))}
    in_review = [p.name for p in first if before[p.name]["category"] == "review"]
    assert len(in_review) >= 25, before  # what the model alone does with these courtyards
    for name in in_review[:CORRECTED]:
        page.locator(f'[data-result][data-name="{name}"] select').select_option("vibes")
    settle(page, CORRECTED)

    after = by_name(page)
    for name in in_review[:CORRECTED]:  # the user's own moves stay theirs
        assert after[name]["overridden"] == "true" and after[name]["category"] == "vibes"
        assert page.locator(f'[data-result][data-name="{name}"] select').input_value() == "vibes"
    followed = filed_as_vibes(page, in_review[CORRECTED:])
    assert len(followed) >= len(in_review[CORRECTED:]) // 2, (followed, in_review)
    card = page.locator(f'[data-result][data-name="{followed[0]}"]')
    assert "you moved to Vibes" in card.locator(".verdict").inner_text()
    assert card.get_attribute("data-overridden") == "false"
    for path, _category in cafe:  # unlike photos keep the model's category
        assert after[path.name]["category"] == before[path.name]["category"], path.name

    # Photos added later follow the corrections too.
    later = STREETS[30 : 30 + LATER]
    page.set_input_files("#upload", [str(p) for p in later])
    wait_settled(page, len(cafe) + len(first) + len(later))
    assert len(filed_as_vibes(page, [p.name for p in later])) >= LATER // 2

    # Undo one: it leaves the list, and its card goes back to the model's decision.
    page.click("#corrections summary")
    undone = page.get_attribute("#corrections-list [data-correction]:last-child", "data-correction")
    page.evaluate("document.querySelector('#corrections-list [data-correction]').snaptagKept = true")
    thumbs = "[...document.querySelectorAll('#corrections-list img')]"
    assert page.evaluate(f"{thumbs}.filter((i) => i.complete && i.naturalWidth > 0).length") == CORRECTED
    page.click(f'#corrections-list [data-undo="{undone}"]')
    settle(page, CORRECTED - 1)
    assert by_name(page)[in_review[0]]["overridden"] == "false"
    assert page.evaluate("document.querySelector('#corrections-list [data-correction]').snaptagKept === true")  # kept

    # Kept across a reload: the cards and what the sorter learned.
    page.reload()
    wait_ready(page)
    total = len(cafe) + len(first) + len(later)
    page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {total}")
    assert corrections(page) == CORRECTED - 1
    kept = filed_as_vibes(page, in_review[CORRECTED:])
    assert len(kept) >= len(followed) - 2

    # Export, forget all (the followers go back to review), import: they follow again.
    page.click("#corrections summary")
    with page.expect_download() as download:
        page.click("#corrections-export")
    exported = tmp_path / "corrections.json"
    download.value.save_as(exported)
    page.click("#corrections-reset")
    settle(page, 0)
    assert filed_as_vibes(page, in_review[CORRECTED:]) == []
    page.set_input_files("#corrections-import", str(exported))
    settle(page, CORRECTED - 1)
    assert "Imported 9 corrections" in page.inner_text("#corrections-status")
    assert len(filed_as_vibes(page, in_review[CORRECTED:])) >= len(kept) - 2

    # Download sorted takes the corrections along (what Import corrections reads).
    with page.expect_download() as download:
        page.click("#download-sorted")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert json.loads(archive.read("snaptag-corrections.json"))["format"] == "snaptag-teach/1"
    assert not s.errors, s.errors
    s.context.close()
