"""Write an enterprise CSV of N rows of which B are bad in assorted ways (for the README and benches).

python -m bench.make_csv --rows 10000 --bad 300 --division 410103 enterprises.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from registry.domain.identifiers import ALPHABET, make_uscc
from registry.domain.vocabulary import INDUSTRIES, SCALES

HEADER = ["uscc", "name", "division_code", "industry", "scale", "address"]
INDUSTRY_CODES = [k for k in INDUSTRIES if not k.startswith(("safety_", "standardization"))]
BAD_KINDS = ["check", "lowercase", "letter_o", "short", "industry", "division", "no_name", "date"]


def rows(count: int, bad: int, division: str, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    bad_rows = set(rng.sample(range(count), bad))
    out = []
    for n in range(count):
        body = "".join(rng.choice(ALPHABET) for _ in range(8))
        uscc = make_uscc("91", division, body)
        row = [
            uscc,
            f"基准测试企业{n:07d}有限公司",
            division,
            INDUSTRY_CODES[n % len(INDUSTRY_CODES)],
            list(SCALES)[n % 3],
            f"测试路{n}号",
        ]
        if n in bad_rows:
            kind = BAD_KINDS[n % len(BAD_KINDS)]
            if kind == "check":
                row[0] = uscc[:-1] + ALPHABET[(ALPHABET.index(uscc[-1]) + 1) % 31]
            elif kind == "lowercase":
                row[0] = uscc[:10] + uscc[10:].lower() if any(c.isalpha() for c in uscc[10:]) else uscc[:-1] + "a"
            elif kind == "letter_o":
                row[0] = uscc[:9] + "O" + uscc[10:]
            elif kind == "short":
                row[0] = uscc[:17]
            elif kind == "industry":
                row[3] = "steel"
            elif kind == "division":
                row[2] = "41010"
            elif kind == "no_name":
                row[1] = ""
            else:
                row[0] = uscc[:2] + "ABCDEF" + uscc[8:]
        out.append(row)
    return out


def write(path: Path, count: int, bad: int, division: str = "410103", seed: int = 1) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows(count, bad, division, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--bad", type=int, default=300)
    parser.add_argument("--division", default="410103")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.path, args.rows, args.bad, args.division, args.seed)
    print(f"wrote {args.rows} rows ({args.bad} bad) to {args.path}")


if __name__ == "__main__":
    main()
