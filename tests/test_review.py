"""Review in bulk, its pure rules (app/logic/review.py): selection with shift-click ranges, the order of cards,
the keys that file a card, the remembered view."""

from __future__ import annotations

from app.logic.mapping import REVIEW, Decision
from app.logic.queue import PhotoInfo, PhotoQueue
from app.logic.review import Selection, View, key_category, ordered


def test_a_click_toggles_one_card_and_a_shift_click_selects_the_range_as_shown():
    shown = [9, 7, 5, 3, 1]
    sel = Selection()
    sel.click(7, shown)
    sel.click(3, shown, shift=True)
    assert sel.ids == {7, 5, 3}
    sel.click(5, shown)  # a plain click takes one off and moves the anchor
    assert sel.ids == {7, 3} and sel.anchor == 5
    sel.click(9, shown, shift=True)
    assert sel.ids == {9, 7, 5, 3}
    sel.keep_only([9, 3])  # the others were removed
    assert sel.ids == {9, 3} and sel.anchor is None
    sel.click(1, shown, shift=True)  # no anchor: a plain click
    assert sel.ids == {9, 3, 1} and sel.anchor == 1
    sel.clear()
    assert not sel.ids and sel.anchor is None


def test_least_sure_first_puts_unsure_cards_first_and_unfinished_ones_last():
    queue = PhotoQueue(categories=["food_and_drinks", "vibes"])
    items = [queue.add(f"{n}.jpg", 1, "image/jpeg") for n in range(4)]
    queue.take()
    queue.take()
    photo = PhotoInfo("0" * 64, 1, 1, "")
    queue.finish(items[0].id, Decision("vibes", (("vibes", 0.91),)), photo)
    queue.finish(items[1].id, Decision(REVIEW, (("vibes", 0.55),), "unsure"), photo)
    queue.finish(items[2].id, Decision("food_and_drinks", (("food_and_drinks", 0.99),)), photo)
    assert [i.name for i in ordered(queue.items.values(), "newest")] == ["3.jpg", "2.jpg", "1.jpg", "0.jpg"]
    assert [i.name for i in ordered(queue.items.values(), "least_sure")] == ["1.jpg", "0.jpg", "2.jpg", "3.jpg"]


def test_keys_file_the_focused_card():
    cats = ["food_and_drinks", "menu", "vibes"]
    assert [key_category(k, cats) for k in ("1", "3", "4", "0", "r", "R", "x", "")] == \
        ["food_and_drinks", "vibes", None, REVIEW, REVIEW, REVIEW, None, None]


def test_the_view_is_remembered_and_anything_unreadable_is_the_default():
    view = View("vibes", True, "least_sure")
    assert View.loads(view.dumps()) == view
    for junk in (None, "", "{", "[1]", '{"filter": 5, "grouped": "yes", "order": "random"}'):
        assert View.loads(junk) == View(), junk
