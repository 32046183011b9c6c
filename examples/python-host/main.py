"""A host page's own Python using snaptag's verbs (docs/embedding.md)."""

from pyscript import document, when

from app import api

answer = document.getElementById("answer")
model = await api.ready()  # noqa: F704, PLE1142  (PyScript runs this with top-level await)
answer.textContent = "Categories: " + ", ".join(c.name for c in model.cmap.categories)
document.documentElement.dataset.host = "ready"


@when("change", "#photo")
async def sort(event) -> None:
    photo = event.target.files.item(0)
    try:
        result = await api.classify(photo)
        answer.textContent = f"{model.cmap.name(result.category)} ({result.decision.prob:.0%})"
        answer.dataset.category = result.category
    except api.ApiError as err:
        answer.textContent = err.message
        answer.dataset.category = "error"
