"""The recorded SDK captures are in the repository, unchanged since they were recorded."""

from __future__ import annotations

import hashlib
import re

from tests.fixtures import FIXTURES_DIR, SDK_CAPTURES


def test_every_capture_is_listed_with_its_recorded_checksum() -> None:
    readme = (FIXTURES_DIR / "README.md").read_text(encoding="utf-8")
    listed = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)
    )
    present = {path.name for path in SDK_CAPTURES.iterdir() if path.is_file()}
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((SDK_CAPTURES / name).read_bytes()).hexdigest() == digest, name
        assert f"`{name}`" in readme, f"{name} has no description in the fixtures README"
