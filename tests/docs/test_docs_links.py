"""The documents hold together: links and anchors resolve, every protocol reference points at
an anchor of docs/protocol.md, and nothing refers to material outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "tests/fixtures/README.md",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
PROTOCOL_REF = re.compile(r"docs/protocol\.md#([A-Za-z0-9_-]+)")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    explicit = set(re.findall(r'<a id="([^"]+)"></a>', text))
    slugs = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)
    }
    return explicit | slugs


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot list the repository's files")
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+://", target) or target.startswith("mailto:"):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.exists():
            raise AssertionError(f"{doc}: {target} does not exist")
        if fragment and linked.suffix == ".md":
            assert fragment in anchors(linked), (doc, target)


def test_every_protocol_reference_names_an_anchor_of_protocol_md() -> None:
    known = set(re.findall(r'<a id="([^"]+)"></a>', (ROOT / "docs/protocol.md").read_text()))
    assert {"defaults", "routes", "scenarios", "open-questions"} <= known
    for path in tracked_files():
        if path.suffix not in (".py", ".md", ".toml", ".yml", ".sh", ".txt"):
            continue
        for anchor in PROTOCOL_REF.findall(path.read_text(encoding="utf-8", errors="replace")):
            assert anchor in known, (str(path.relative_to(ROOT)), anchor)


def test_no_section_numbers_of_documents_outside_the_repository() -> None:
    me = Path(__file__).resolve()
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if path.suffix not in (".py", ".md") or path == me:
            continue
        assert "\N{SECTION SIGN}" not in path.read_text(encoding="utf-8"), str(relative)


def test_nothing_reads_material_beside_the_repository() -> None:
    me = Path(__file__).resolve()
    for path in tracked_files():
        if path.resolve() == me or path.suffix not in (".py", ".sh", ".toml", ".yml", ".cfg"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for hit in re.findall(r'.{0,40}["/]shared["/].{0,40}', text):
            assert "shared/vendor" in hit, (str(path.relative_to(ROOT)), hit)
