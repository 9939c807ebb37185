"""The starter library shipped with the service: complete, valid, and real content."""

from __future__ import annotations

from training import library
from training.rendering import markdown_to_html


def test_the_library_has_the_three_collections_the_issue_names() -> None:
    collections = {collection.key: collection for collection in library.collections()}
    assert [module.key for module in collections["mentor-basics"].modules] == [
        "active-listening", "constructive-feedback", "setting-boundaries", "inclusive-mentoring",
    ]  # fmt: skip
    assert [module.key for module in collections["mentee-basics"].modules] == [
        "setting-goals", "preparing-a-session", "asking-for-help",
    ]  # fmt: skip
    assert [module.key for module in collections["responsible-ai"].modules] == [
        "dataset-bias", "fairness-metrics", "privacy-in-ml", "model-documentation",
    ]  # fmt: skip
    assert {module.audience for module in collections["responsible-ai"].modules} == {"both"}


def test_every_module_has_a_knowledge_check_a_reflection_prompt_and_several_paragraphs() -> None:
    for module in library.modules():
        assert module.check is not None and len(module.check.questions) >= 3, module.key
        assert module.reflection_prompt, module.key
        paragraphs = [part for part in module.body_markdown.split("\n\n") if part.strip()]
        assert len(paragraphs) >= 6 and len(module.body_markdown.split()) >= 250, module.key
        assert "lorem" not in module.body_markdown.lower(), module.key


def test_every_file_is_in_a_collection() -> None:
    listed = {module.key for module in library.modules()}
    files = {path.stem for path in (library.FOLDER / "modules").glob("*.md")}
    assert files == listed


def test_library_bodies_render_safely() -> None:
    for module in library.modules():
        html = markdown_to_html(module.body_markdown)
        assert html.startswith("<h1>") and "<script" not in html, module.key
