"""Split the labelled DMs once into train and test, stratified by language and urgency.

Run once when the set was written; the result is committed and never re-split, so the test half
stays unseen by training and by the rules' tuning.

    python3 scripts/split_labelled_dms.py agent/signals/data/dms_ja.jsonl \
        agent/signals/data/dms_en.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path("agent/signals/data/labelled_dms.jsonl")


def main(paths: list[str]) -> None:
    rows = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line]
    groups: dict[tuple[str, str, str], list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        groups[(str(row["lang"]), str(row["urgency"]), str(row["sentiment"]))].append(row)
    rng = random.Random(20261122)
    out: list[dict[str, object]] = []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        half = len(members) // 2
        for i, row in enumerate(members):
            test = i < half or (i == half and rng.random() < 0.5)
            out.append({**row, "split": "test" if test else "train"})
    rng.shuffle(out)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out))
    print(f"{len(out)} rows -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
