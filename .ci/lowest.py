"""Print pip constraints pinning every dependency (and the test extra) to the lowest version
pyproject.toml allows, so that CI can test what the lower bounds promise."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
extras = sys.argv[1:] or ["dev"]
requirements = list(project["project"]["dependencies"])
for extra in extras:
    requirements += project["project"]["optional-dependencies"][extra]
for requirement in requirements:
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement)
    if match:
        print(f"{match.group(1)}=={match.group(3)}")
