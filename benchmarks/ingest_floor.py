"""How fast could a cold load be at all? A stripped-down ingest, timed stage by stage.

    python benchmarks/ingest_floor.py [--data benchmarks/_work/scale1000] [--runs 3]

It does only the work that any cold load checking SPEC §2 must do, the cheapest way
pyarrow and numpy offer, on two threads where the work splits:

1. read every file of the package (the bytes; sha256 of each on the thread pool, as
   wbreport fingerprints them);
2. parse every file with pyarrow's multithreaded CSV reader, every column as text;
3. per column: dictionary-encode (codes, dates, counts, flags, text), or for
   identifiers check the pattern on the raw bytes (a lookup table, no regex);
4. activity ids: unique in activities (one hash of 515k ids at scale 1000);
5. every ``activity_id`` of participation, evaluations and followups looked up among them
   (``pyarrow.compute.index_in`` on two threads);
6. typed columns for frames (distinct values converted once, then taken per row).

It checks no other rule (no cross-column or cross-table rule but the look-ups, no
problem rows, no row numbers) and computes nothing, so it is a floor, not an
implementation. Each stage's wall time and the total are printed; compare the total with
DuckDB's ``read_csv`` + SQL (``benchmarks/indicators.py``, Y).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # measure this checkout of wbreport

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.csv as pa_csv  # noqa: E402

from wbreport.schema import TABLES, Column  # noqa: E402

ID_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
KEYED = ("participation", "evaluations", "followups")


def parse(data: bytes) -> pa.Table:
    header = data[: data.find(b"\n")].decode("utf-8").split(",")
    return pa_csv.read_csv(
        pa.py_buffer(data),
        read_options=pa_csv.ReadOptions(use_threads=True, block_size=4 << 20),
        parse_options=pa_csv.ParseOptions(newlines_in_values=b'"' in data),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )


def identifiers_ok(values: pa.Array) -> bool:
    """[A-Za-z0-9_-]{1,64} for every value, from the offsets and data buffers."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
    offsets = offsets[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    allowed = np.zeros(256, dtype=bool)
    allowed[list(ID_BYTES)] = True
    lengths = np.diff(offsets)
    return bool(allowed[data].all() and lengths.min() >= 1 and lengths.max() <= 64)


def encode(table: pa.Table, column: Column) -> tuple[str, pa.Array] | None:
    if column.name not in table.column_names:
        return None
    values = table.column(column.name).combine_chunks()
    if column.type == "id":
        if column.pattern:
            identifiers_ok(values)
        return "id", values
    return "dict", values.dictionary_encode()


def typed(column: Column, kind: str, values: pa.Array) -> object:
    if kind == "id":
        return pd.arrays.ArrowStringArray(values.cast(pa.large_string()))
    distinct = pd.Series(values.dictionary.to_numpy(zero_copy_only=False))
    codes = values.indices.to_numpy(zero_copy_only=False)
    if column.type == "date":
        return pd.to_datetime(distinct.replace("", None), format="%Y-%m-%d").to_numpy()[codes]
    if column.type == "int":
        return distinct.astype("int64").to_numpy()[codes]
    if column.type == "number":
        return pd.to_numeric(distinct.replace("", None)).to_numpy(float)[codes]
    if column.type == "bool":
        return (distinct.str.lower() == "true").to_numpy()[codes]
    return pd.arrays.ArrowStringArray(
        values.dictionary.take(values.indices).cast(pa.large_string())
    )


def once(root: Path) -> dict[str, float]:
    marks = {"start": time.perf_counter()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        datas = {t.name: (root / f"{t.name}.csv").read_bytes() for t in TABLES}
        hashed = [pool.submit(lambda d: hashlib.sha256(d).hexdigest(), d) for d in datas.values()]
        marks["read"] = time.perf_counter()
        tables = {name: parse(data) for name, data in datas.items()}
        marks["parse"] = time.perf_counter()
        jobs = [(t, c) for t in TABLES for c in t.columns]
        encoded = dict(
            zip(
                [(t.name, c.name) for t, c in jobs],
                pool.map(lambda job: encode(tables[job[0].name], job[1]), jobs),
                strict=True,
            )
        )
        marks["encode"] = time.perf_counter()
        ids = encoded[("activities", "activity_id")][1]
        assert len(ids.dictionary_encode().dictionary) == len(ids)  # unique
        marks["unique ids"] = time.perf_counter()
        list(pool.map(lambda name: pc.index_in(encoded[(name, "activity_id")][1], ids), KEYED))
        marks["look-ups"] = time.perf_counter()

        def frame(table):  # type: ignore[no-untyped-def]
            return pd.DataFrame(
                {
                    c.name: typed(c, *encoded[(table.name, c.name)])
                    for c in table.columns
                    if encoded[(table.name, c.name)] is not None
                }
            )

        list(pool.map(frame, TABLES))
        marks["typed frames"] = time.perf_counter()
        for future in hashed:
            future.result()
        marks["hashes"] = time.perf_counter()
    names = list(marks)
    stages = {b: marks[b] - marks[a] for a, b in itertools.pairwise(names)}
    stages["total"] = marks[names[-1]] - marks["start"]
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "_work" / "scale1000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [once(args.data) for _ in range(args.runs)]
    for stage in runs[0]:
        times = [r[stage] for r in runs]
        each = ", ".join(f"{t:.3f}" for t in times)
        print(f"{stage:>14}: median {statistics.median(times):.3f} s  ({each})")
    print(f"ingest floor: {statistics.median(r['total'] for r in runs):.2f} s")


if __name__ == "__main__":
    main()
