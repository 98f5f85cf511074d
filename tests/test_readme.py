"""The README keeps its promises: two Quick start commands, every setting documented."""

from __future__ import annotations

import re

from conftest import ROOT

from sync_admin.settings import SETTINGS

README = (ROOT / "README.md").read_text()


def test_quick_start_holds_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1
    commands = [
        line for line in blocks[0].splitlines() if line.strip() and not line.startswith("#")
    ]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndemo:" in makefile and "\ntest:" in makefile


def test_every_setting_is_in_the_configuration_table() -> None:
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in README, f"{setting.name} is not documented"
