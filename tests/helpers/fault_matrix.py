"""Print the fault suites' outcomes (pytest's JUnit XML) as one table: suite, case, variant.

``nox -s faults`` runs the bad-input matrix, the damaged staged files, the kill and
concurrency tests, then calls this on the XML pytest wrote, so a reader sees every cell of
the matrix and how it ended instead of a row of dots.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def rows(xml_path: str) -> list[tuple[str, str, str, str]]:
    out = []
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        suite = case.get("classname", "").rsplit(".", 1)[-1].removeprefix("test_")
        name = case.get("name", "")
        base, _, variant = name.partition("[")
        if case.find("failure") is not None or case.find("error") is not None:
            result = "FAILED"
        elif case.find("skipped") is not None:
            result = "skipped"
        else:
            result = "ok"
        variant = variant.rstrip("]")
        variant = variant if len(variant) <= 40 else variant[:37] + "..."
        out.append((suite, base.removeprefix("test_"), variant, result))
    return out


def main(xml_path: str) -> int:
    table = rows(xml_path)
    widths = [
        max(len(r[i]) for r in [("suite", "case", "variant", "result"), *table]) for i in range(4)
    ]
    line = "  ".join
    print(
        line(
            h.ljust(w) for h, w in zip(("suite", "case", "variant", "result"), widths, strict=True)
        )
    )
    for r in table:
        print(line(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    failed = sum(r[3] == "FAILED" for r in table)
    print(f"\n{len(table)} cases, {failed} failed, {sum(r[3] == 'skipped' for r in table)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
