"""The pre-check reader on its own corpus: accuracy of kinds and fields, and CPU per document.

    .venv/bin/python bench/precheck.py [--count 200] [--corpus DIR] [--seed N] [--defaults]

Generates the corpus (medexam.precheck.corpus: photographed ID fronts and backs, 学信网
records, diplomas and decoys, each with its truth) unless --corpus names one, then reads every
document with `read_document` (the code the task and the command run) and prints:

* kinds right and fields exactly right, in %;
* CPU seconds per document (this process's user + system time, `resource.getrusage`; the
  reader runs in this process, one ONNX Runtime thread), median and p95;
* the baseline measured in the same run: one full decode of the same file with Pillow (the
  least any reading of the image costs), and the ratio of the two medians.

`--defaults` also reads every document with the engine as shipped (rapidocr's own sizes, the
angle classifier on, all threads, every line recognised) for comparison.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from medexam.precheck import corpus  # noqa: E402
from medexam.precheck.reader import engine, read_document  # noqa: E402


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--defaults", action="store_true")
    parser.add_argument("--seed", type=int, default=17, help="another seed: another corpus")
    args = parser.parse_args()

    folder = args.corpus or Path(tempfile.mkdtemp(prefix="precheck-corpus-"))
    truth_file = folder / "truth.jsonl"
    if not truth_file.exists():
        corpus.build(folder, args.count, seed=args.seed)
    truth = [json.loads(line) for line in truth_file.read_text("utf-8").splitlines()]
    truth = truth[: args.count]

    engine()  # loaded once per worker process; not part of a document's cost
    read_document((folder / truth[0]["file"]).read_bytes())  # first-call warm-up

    decode_cpu, read_cpu = [], []
    kinds_right = fields_right = fields_total = 0
    wrong: list[str] = []
    for row in truth:
        data = (folder / row["file"]).read_bytes()
        start = cpu()
        Image.open(io.BytesIO(data)).convert("RGB").load()
        decode_cpu.append(cpu() - start)
        start = cpu()
        reading = read_document(data)
        read_cpu.append(cpu() - start)
        kinds_right += reading.kind == row["kind"]
        if reading.kind != row["kind"]:
            wrong.append(f"{row['file']}: kind {reading.kind}")
        for name, value in row["fields"].items():
            fields_total += 1
            got = reading.fields.get(name, "")
            fields_right += got == value
            if got != value:
                wrong.append(f"{row['file']}: {name} wrong")

    n = len(truth)
    med, med_decode = statistics.median(read_cpu), statistics.median(decode_cpu)
    counts = ", ".join(f"{k} {sum(r['kind'] == k for r in truth)}" for k in corpus.KINDS)
    print(f"documents: {n} ({counts})")
    print(f"kinds right: {100 * kinds_right / n:.1f} %")
    print(
        f"fields exactly right: {100 * fields_right / max(fields_total, 1):.1f} % of {fields_total}"
    )
    print(f"CPU per document: median {med:.3f} s, p95 {p95(read_cpu):.3f} s")
    by_kind = {
        k: statistics.median([c for c, r in zip(read_cpu, truth, strict=True) if r["kind"] == k])
        for k in corpus.KINDS
        if any(r["kind"] == k for r in truth)
    }
    print("  median by kind: " + ", ".join(f"{k} {v:.3f} s" for k, v in by_kind.items()))
    print(f"baseline, one full Pillow decode: median {med_decode:.4f} s")
    print(f"ratio read / decode (medians): {med / med_decode:.1f}x")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for line in wrong[:20]:
        print("  miss", line)  # file names and field names only, never a value read

    if args.defaults:
        from rapidocr_onnxruntime import RapidOCR

        shipped = RapidOCR()
        shipped_cpu = []
        for row in truth:
            data = (folder / row["file"]).read_bytes()
            start = cpu()
            shipped(data)
            shipped_cpu.append(cpu() - start)
        shipped_med = statistics.median(shipped_cpu)
        print(
            f"shipped defaults: median {shipped_med:.3f} s, p95 {p95(shipped_cpu):.3f} s "
            f"(ours is {shipped_med / med:.1f}x less CPU)"
        )


if __name__ == "__main__":
    main()
