"""What defining one value class costs, per decorator option (issue 14, start-up).

    python bench/dataclass_cost.py [--runs N]

Defines the same six-field class (annotations as strings, as under
``from __future__ import annotations``) with each decorator in turn, in this process,
and prints the median cost of one definition. ``tlsstep.frozen.frozen`` is what tlsstep
uses; the ``@dataclass`` rows say where the time of the standard decorator goes (each
generated method is compiled from source; ``slots=True`` builds the class twice).
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _bench import ROOT, parser

sys.path.insert(0, str(ROOT))
from tlsstep.frozen import frozen

SOURCE = '''
class Value:
    """A value."""
    kind: str
    body: bytes
    offset: int
    length: int
    notes: tuple[str, ...] = ()
    note: str | None = None
'''

DECORATORS: dict[str, Callable[[type], Any]] = {
    "@dataclass": dataclasses.dataclass,
    "@dataclass(slots=True)": dataclasses.dataclass(slots=True),
    "@dataclass(frozen=True)": dataclasses.dataclass(frozen=True),
    "@dataclass(kw_only=True)": dataclasses.dataclass(kw_only=True),
    "@dataclass(frozen=True, slots=True, kw_only=True)": dataclasses.dataclass(
        frozen=True, slots=True, kw_only=True
    ),
    "@dataclass(init=False, repr=False, eq=False, slots=True)": dataclasses.dataclass(
        init=False, repr=False, eq=False, slots=True
    ),
    "@frozen (tlsstep.frozen), defined": frozen,
}


def fresh_class() -> type:
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile("from __future__ import annotations\n" + SOURCE, __file__, "exec"), namespace)
    cls: type = namespace["Value"]
    return cls


def per_class(decorate: Callable[[type], Any], count: int, *, instantiate: bool) -> float:
    classes = [fresh_class() for _ in range(count)]
    start = time.perf_counter()
    for cls in classes:
        made = decorate(cls)
        if instantiate:
            made(kind="a", body=b"", offset=0, length=0)
    return (time.perf_counter() - start) / count


def main() -> int:
    args = parser(__doc__, 7).parse_args()
    rows = [(name, decorate, False) for name, decorate in DECORATORS.items()]
    rows.append(("@frozen, defined and instantiated once", frozen, True))
    for name, decorate, instantiate in rows:
        times = [per_class(decorate, 50, instantiate=instantiate) for _ in range(args.runs)]
        print(f"{name:<58} {statistics.median(times) * 1e6:8.0f} µs a class")
    return 0


if __name__ == "__main__":
    sys.exit(main())
