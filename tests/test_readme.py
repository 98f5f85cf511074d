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


def test_api_examples_use_the_demos_ids_and_login() -> None:
    """The curl examples run as written against `make demo` (review finding 5)."""
    from sync_admin.demo import CLUBS

    real = [c for c in CLUBS if c.provider != "tiny"]  # the test-only provider is not enabled
    org_of: dict[str, int] = {}
    for i, c in enumerate(real):  # the first club of each provider (others come later)
        org_of.setdefault(c.provider, i + 1)
    for name in ("README.md", "docs/api.md"):
        text = (ROOT / name).read_text()
        blocks = "\n".join(re.findall(r"```sh\n(.*?)```", text, re.S))
        assert "instance/demo_login.txt" in text, name
        assert '"password": "..."' not in blocks and "sst_..." not in blocks, name
        paths = re.findall(r"/api/v1/sync/(quickbooks|xero)/(\d+)/", blocks)
        assert paths, name
        for provider, org in paths:
            assert int(org) == org_of[provider], (name, provider, org)
        for company in re.findall(r"(?:companies/|company_id=)(\d+)", blocks):
            assert 1 <= int(company) <= len(real), (name, company)
        assert "api-key admin" in blocks, f"{name}: the key example names a user the demo has"
