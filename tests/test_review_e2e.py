"""Review in bulk, in headless Chromium with the real model: least sure first, a shift-click range moved to a
category at once, select what a filter shows, keys on a focused card, and the view remembered across a reload."""

from __future__ import annotations

from tests.conftest import photos
from tools.browser import by_name, open_page, wait_ready, wait_settled

SHOWN = ("[...document.querySelectorAll('#results [data-result]')].filter(c => c.offsetParent !== null)"
         ".map(c => c.dataset.name)")


def test_review_many_cards_at_once_with_the_mouse_and_the_keyboard(browser, server):
    s = open_page(browser, server.url)
    page = s.page
    wait_ready(page)
    shots = photos("test", 3)
    page.set_input_files("#upload", [str(p) for p, _ in shots])
    wait_settled(page, len(shots))
    assert page.is_visible("#bulk") and page.is_disabled("#move-selected")

    page.select_option("#sort-order", "least_sure")
    page.wait_for_function("!('layingOut' in document.getElementById('results').dataset)")
    order = page.evaluate(SHOWN)
    cards = by_name(page)
    probs = [float(cards[n]["prob"]) for n in order]
    assert probs == sorted(probs), (order, probs)

    boxes = page.locator("#results [data-result] [data-select]")
    boxes.nth(1).click()
    boxes.nth(4).click(modifiers=["Shift"])
    chosen = order[1:5]
    assert page.evaluate("[...document.querySelectorAll('[data-selected]')].map(c => c.dataset.name)") == chosen
    assert page.inner_text("#selected-count") == "4 selected"
    before = by_name(page)
    page.select_option("#move-selected", "menu")
    page.wait_for_function("(document.documentElement.dataset.saving || '0') === '0'")
    cards = by_name(page)
    assert all(cards[n]["category"] == "menu" for n in chosen), cards
    assert all(cards[n]["overridden"] == "true" for n in chosen if before[n]["category"] != "menu")
    assert page.inner_text("#bulk-status") == "Moved 4 photos to Menu."
    assert page.evaluate("document.querySelectorAll('[data-selected]').length") == 0

    # Select what a filter shows.
    page.click('[data-filter="menu"]')
    page.click("#select-shown")
    menu_cards = [n for n, c in by_name(page).items() if c["category"] == "menu"]
    assert page.inner_text("#selected-count") == f"{len(menu_cards)} selected"
    page.click("#select-none")

    # Keys on a focused card: 3 is the third category (Vibes), r is Needs review; each moves on to the next card.
    shown = page.evaluate(SHOWN)
    page.focus(f'[data-result][data-name="{shown[0]}"]')
    page.keyboard.press("3")
    page.wait_for_function(f"document.querySelector('[data-result][data-name=\"{shown[0]}\"]').dataset.category"
                           " === 'vibes'")
    assert page.evaluate("document.activeElement.dataset.name") == shown[1]
    page.keyboard.press("r")
    page.wait_for_function(f"document.querySelector('[data-result][data-name=\"{shown[1]}\"]').dataset.category"
                           " === 'review'")

    # The filter, the grouping and the order come back after a reload.
    page.check("#group-by-category")
    page.wait_for_function("(document.documentElement.dataset.saving || '0') === '0'")
    page.reload()
    wait_ready(page)
    page.wait_for_function(f"document.querySelectorAll('[data-result]').length === {len(shots)}")
    assert page.get_attribute('[data-filter="menu"]', "aria-pressed") == "true"
    assert page.is_checked("#group-by-category") and page.input_value("#sort-order") == "least_sure"
    page.wait_for_function("!('layingOut' in document.getElementById('results').dataset)")
    assert page.evaluate("document.querySelectorAll('#results > [data-group]').length") >= 2
    shown = page.evaluate(SHOWN)
    assert shown and all(by_name(page)[n]["category"] == "menu" for n in shown)
    assert not s.errors, s.errors
    s.context.close()
