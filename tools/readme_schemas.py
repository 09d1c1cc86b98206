"""Write README.md's schema sections from the package's JSON Schema files (issue 16 item 17).

Each section sits between ``<!-- schema: NAME -->`` and ``<!-- /schema -->``; what is
between is replaced by the outline of ``tlsstep/schemas/NAME.schema.json``. Run it after
changing a schema: ``python tools/readme_schemas.py`` (``--check``: exit 1 if README differs,
as tests/test_schemas.py does).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tlsstep.schemas.outline import outline  # noqa: E402

SECTION = re.compile(r"(<!-- schema: (?P<name>[a-z-]+) -->\n)(.*?)(<!-- /schema -->)", re.S)


def generate(readme: str) -> str:
    """``readme`` with every schema section rewritten from its schema file."""

    def section(m: re.Match[str]) -> str:
        return f"{m[1]}```\n{outline(m['name'])}\n```\n{m[4]}"

    return SECTION.sub(section, readme)


def sections(readme: str) -> list[str]:
    return [m["name"] for m in SECTION.finditer(readme)]


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    old = path.read_text("utf-8")
    new = generate(old)
    if "--check" in argv:
        if new != old:
            print("README.md's schema sections differ: run python tools/readme_schemas.py")
            return 1
        return 0
    if new != old:
        path.write_text(new, "utf-8")
        print(f"wrote {path.name}: {', '.join(sections(new))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
