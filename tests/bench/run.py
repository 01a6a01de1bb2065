"""The mieux benchmark: whole processes, timed as a person waits for them.

    python tests/bench/run.py [--runs N] [--sizes 1000,10000,100000] [--out bench.json]

It builds synthetic catalogues through mieux's real import path, times each command as a whole
process (a warm-up, then N runs; medians), measures peak memory (RSS), and times the floors in
the same run: `python -c pass`, a hello-world on the same Typer version, and a one-liner that
loads the same JSON file with orjson and filters it with a list comprehension. It prints one
table of medians and ratios to those floors and writes it as JSON. Not part of the test suite.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mieux_cli import vocab

HELLO = """
import typer
app = typer.Typer()
@app.command()
def main(name: str = "world"):
    print(f"hello {name}")
app()
"""
LOAD_AND_FILTER = """
import orjson, sys
data = orjson.loads(open(sys.argv[1], "rb").read())
rows = [r for r in data["records"].values() if "LAC" == r["region"] and "IMT" in r["themes"]]
print(len(rows))
"""
WORDS = ["migration", "policy", "protection", "integration", "trafficking", "smuggling", "children", "labour", "diaspora", "cooperation", "protocol", "training", "curriculum", "assessment", "workshop", "strategy", "return", "asylum", "data", "border", "health", "dialogue", "institutions", "plan", "national", "regional", "government", "capacity"]


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic(n: int, seed: int = 7) -> list[dict]:
    """n valid records with realistic text lengths: half actions, a third practices linked to
    them, the rest events and facts."""
    rng = random.Random(seed)
    countries = sorted(vocab.COUNTRY_REGION)
    source = [{"title": "Synthetic benchmark source", "publisher": "bench", "date": "2020", "url": None}]
    records, action_ids, event_ids = [], [], []
    for i in range(n):
        kind = "action" if i % 6 < 3 else "practice" if i % 6 < 5 and action_ids else "event" if i % 12 == 5 else "fact"
        start = rng.randint(2009, 2023)
        record = {
            "id": f"{kind[:3]}-bench-{i}", "kind": kind, "title": sentence(rng, rng.randint(5, 10)).rstrip("."),
            "countries": rng.sample(countries, rng.randint(1, 3)), "themes": rng.sample(list(vocab.THEMES), rng.randint(1, 2)),
            "areas": rng.sample(list(vocab.AREAS), rng.randint(0, 3)), "gcm": rng.sample(range(1, 24), rng.randint(0, 3)),
            "start": str(start), "end": str(start + rng.randint(0, 4)), "tags": rng.sample(WORDS, 2), "sources": source,
        }
        if kind == "action":
            record.update(summary=sentence(rng, 60), status=rng.choice(["completed", "ongoing"]),
                          partners=[sentence(rng, 4)], outputs=[sentence(rng, 8)], results=[sentence(rng, 12)])
            action_ids.append(record["id"])
        elif kind == "practice":
            record.update(summary=sentence(rng, 40), why=sentence(rng, 20), results=[sentence(rng, 10)],
                          actions=rng.sample(action_ids[-50:], 1), event=rng.choice(event_ids) if event_ids else None)
        elif kind == "event":
            record.update(summary=sentence(rng, 50), place="Somewhere", hosts=["MIEUX"])
            event_ids.append(record["id"])
        else:
            record.update(text=sentence(rng, 25), figure=f"{rng.randint(1, 99)}%")
        records.append(record)
    return records


def iati_activities(n: int, seed: int = 11) -> str:
    """An IATI 2.03 file of n activities shaped like a real download: English and French texts,
    several participating organisations, budgets and transactions (which mieux does not keep)."""
    from xml.sax.saxutils import escape

    rng = random.Random(seed)
    countries = sorted(vocab.COUNTRY_REGION)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" generated-datetime="2024-05-02T08:00:00Z">\n']
    for i in range(n):
        start = rng.randint(2009, 2023)
        chosen = rng.sample(countries, rng.randint(1, 3))
        shares = [100 // len(chosen)] * len(chosen)
        shares[0] += 100 - sum(shares)
        title, summary = escape(sentence(rng, 8)), escape(sentence(rng, 60))
        parts.append(
            f'<iati-activity xml:lang="en" last-updated-datetime="2024-0{rng.randint(1, 9)}-15T10:00:00Z">'
            f"<iati-identifier>XM-BENCH-1-{i:06d}</iati-identifier>"
            '<reporting-org ref="XM-BENCH-1" type="10"><narrative>Bench Ministry</narrative></reporting-org>'
            f'<title><narrative>{title}</narrative><narrative xml:lang="fr">{title}</narrative></title>'
            f'<description type="1"><narrative>{summary}</narrative><narrative xml:lang="fr">{summary}</narrative></description>'
            '<participating-org ref="XM-BENCH-1" role="1" type="10"><narrative>Bench Ministry</narrative></participating-org>'
            f'<participating-org role="4" type="15"><narrative>{escape(sentence(rng, 4))}</narrative></participating-org>'
            f'<participating-org role="2" type="10"><narrative>{escape(sentence(rng, 3))}</narrative></participating-org>'
            f'<activity-status code="{rng.choice("2345")}"/>'
            f'<activity-date type="2" iso-date="{start}-0{rng.randint(1, 9)}-01"/>'
            f'<activity-date type="3" iso-date="{start + rng.randint(1, 4)}-12-31"/>'
            + "".join(f'<recipient-country code="{c}" percentage="{p}"/>' for c, p in zip(chosen, shares))
            + '<sector vocabulary="1" code="15190" percentage="100"/>'
            '<budget type="1" status="1"><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
            '<value currency="EUR" value-date="2020-01-01">100000</value></budget>'
            + "".join(f'<transaction><transaction-type code="3"/><transaction-date iso-date="2020-0{m}-15"/>'
                      f'<value currency="EUR" value-date="2020-0{m}-15">{rng.randint(1000, 50000)}</value></transaction>'
                      for m in (2, 5, 8))
            + f'<document-link url="https://example.org/bench/{i}.pdf" format="application/pdf"><title>'
            f"<narrative>{escape(sentence(rng, 5))}</narrative></title>"
            '<category code="A08"/><language code="en"/><document-date iso-date="2021-03-01"/></document-link>'
            f'<result type="1"><title><narrative>{escape(sentence(rng, 6))}</narrative></title>'
            '<indicator measure="5"><title><narrative>Delivered</narrative></title></indicator></result>'
            "</iati-activity>\n")
    parts.append("</iati-activities>\n")
    return "".join(parts)


def run_once(command: list[str], env: dict) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def measure(command: list[str], env: dict, runs: int) -> dict:
    run_once(command, env)  # warm-up: caches, .pyc files
    samples = [run_once(command, env) for _ in range(runs)]
    return {"median_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
            "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1)}


def bench_iati(results: dict, mieux: list[str], env: dict, work: Path, size: int, runs: int) -> None:
    """Import an IATI file of `size` activities into an empty catalogue (streamed, checked, written
    in one change), then export the catalogue as IATI."""
    activities = work / f"iati-{size}.xml"
    activities.write_text(iati_activities(size))
    fresh = work / f"iati-{size}.json"
    file_mb = round(activities.stat().st_size / 1024 / 1024, 1)
    samples = []
    for _ in range(max(3, runs // 3)):
        fresh.unlink(missing_ok=True)
        samples.append(run_once([*mieux, "--db", str(fresh), "import", str(activities)], env))
    name = f"{size}: IATI import into an empty catalogue"
    results[name] = {"median_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
                     "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1), "file_mb": file_mb}
    print(f"  {name:<44} {results[name]['median_ms']:>8.1f} ms  {results[name]['peak_rss_mb']:>7.1f} MB", flush=True)
    settings = work / "config.toml"
    settings.write_text('[iati]\npublisher-ref = "XM-BENCH-2"\npublisher-name = "Bench"\npublisher-type = "40"\n'
                        'publisher-role = "4"\n')
    out = work / f"iati-{size}-export.xml"
    name = f"{size}: IATI export"
    results[name] = measure([*mieux, "--db", str(fresh), "export", "--format", "iati", "--output", str(out)],
                            {**env, "MIEUX_CONFIG": str(settings)}, max(3, runs // 3))
    print(f"  {name:<44} {results[name]['median_ms']:>8.1f} ms  {results[name]['peak_rss_mb']:>7.1f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--output", default="bench.json")
    args = parser.parse_args()
    python = sys.executable
    # The console script, as people run it (python -m adds runpy's ~7 ms).
    mieux = [str(Path(python).parent / "mieux")]
    work = Path(tempfile.mkdtemp(prefix="mieux-bench-"))
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(work / "data")}
    env.pop("MIEUX_DB", None)
    (work / "hello.py").write_text(HELLO)
    (work / "floor.py").write_text(LOAD_AND_FILTER)
    results: dict[str, dict] = {}

    def bench(name, command, **extra):
        results[name] = {**measure(command, env, args.runs), **extra}
        print(f"  {name:<44} {results[name]['median_ms']:>8.1f} ms  {results[name]['peak_rss_mb']:>7.1f} MB", flush=True)

    print("floors")
    bench("python -c pass", [python, "-c", "pass"])
    bench("typer hello-world", [python, str(work / "hello.py")])
    shipped = work / "shipped.json"
    db = ["--db", str(shipped)]
    subprocess.run([*mieux, *db, "list"], env=env, capture_output=True, check=True)
    print("shipped catalogue")
    bench("mieux --version", [*mieux, "--version"])
    bench("mieux --help", [*mieux, "--help"])
    tab_env = {**env, "_MIEUX_COMPLETE": "complete_bash", "COMP_WORDS": f"mieux --db {shipped} show act-", "COMP_CWORD": "4"}
    results["completion TAB (show ID)"] = measure([*mieux], tab_env, args.runs)
    print(f"  {'completion TAB (show ID)':<44} {results['completion TAB (show ID)']['median_ms']:>8.1f} ms")
    bench("list", [*mieux, *db, "list"])
    bench("list --region LAC --theme IMT", [*mieux, *db, "list", "--region", "LAC", "--theme", "IMT"])
    bench("search unaccompanied", [*mieux, *db, "search", "unaccompanied"])
    bench("show ID", [*mieux, *db, "show", "act-cr-integration-plans"])
    bench("summary --by theme", [*mieux, *db, "summary", "--by", "theme"])
    bench("vocab themes", [*mieux, *db, "vocab", "themes"])
    bench("brief --region LAC", [*mieux, *db, "brief", "--region", "LAC"])
    for size in [int(s) for s in args.sizes.split(",") if s]:
        print(f"{size} records")
        source = work / f"records-{size}.json"
        source.write_text(json.dumps(synthetic(size)))
        path = work / f"bench-{size}.json"
        started = time.perf_counter()
        subprocess.run([*mieux, "--db", str(path), "import", str(source)], env=env, capture_output=True, check=True)
        results[f"{size}: import (first build)"] = {"median_ms": round((time.perf_counter() - started) * 1000, 1)}
        file_mb = round(path.stat().st_size / 1024 / 1024, 1)
        db = ["--db", str(path)]
        bench(f"{size}: floor: orjson load + filter", [python, str(work / "floor.py"), str(path)])
        bench(f"{size}: list --region LAC --theme IMT", [*mieux, *db, "list", "--region", "LAC", "--theme", "IMT"], file_mb=file_mb)
        bench(f"{size}: list", [*mieux, *db, "list"], file_mb=file_mb)
        bench(f"{size}: search protocol", [*mieux, *db, "search", "protocol"], file_mb=file_mb)
        bench(f"{size}: summary --by theme", [*mieux, *db, "summary", "--by", "theme"], file_mb=file_mb)
        bench(f"{size}: brief --region LAC --theme IMT", [*mieux, *db, "brief", "--region", "LAC", "--theme", "IMT"], file_mb=file_mb)
        if size == 10000:
            one = work / "one.json"
            counter = iter(range(10**6))

            def add_one(one=one, counter=counter, db=db):
                one.write_text(json.dumps({"id": f"fct-one-{next(counter)}", "kind": "fact", "title": "One more",
                                           "text": "A fact.", "sources": ["bench"]}))
                return run_once([*mieux, *db, "add", "--from", str(one)], env)

            add_one()
            samples = [add_one() for _ in range(args.runs)]
            results[f"{size}: add --from (one record)"] = {"median_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
                                                          "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1)}
            print(f"  {size}: add --from (one record)".ljust(47) + f"{results[f'{size}: add --from (one record)']['median_ms']:>8.1f} ms")
            fresh = work / "import-10000.json"
            samples = []
            for _ in range(max(3, args.runs // 3)):
                fresh.unlink(missing_ok=True)
                samples.append(run_once([*mieux, "--db", str(fresh), "import", str(source)], env))
            results[f"{size}: import into an empty catalogue"] = {
                "median_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
                "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1)}
            print(f"  {size}: import into an empty catalogue".ljust(47) + f"{results[f'{size}: import into an empty catalogue']['median_ms']:>8.1f} ms")
            bench_iati(results, mieux, env, work, size, args.runs)
    if not any(int(s) == 10000 for s in args.sizes.split(",") if s):
        print("IATI")
        bench_iati(results, mieux, env, work, 10000, args.runs)
    hello = results["typer hello-world"]["median_ms"]
    print(f"\n{'what':<46} {'median':>9} {'x hello':>8} {'x floor':>8} {'RSS':>8} {'file':>7}")
    for name, r in results.items():
        size = name.split(":")[0]
        floor = results.get(f"{size}: floor: orjson load + filter", {}).get("median_ms")
        r["x_typer_hello"] = round(r["median_ms"] / hello, 2)
        if floor and not name.endswith("filter") and size.isdigit():
            r["x_load_filter_floor"] = round(r["median_ms"] / floor, 2)
        print(f"{name:<46} {r['median_ms']:>7.1f}ms {r['x_typer_hello']:>8.2f} "
              f"{r.get('x_load_filter_floor', ''):>8} {r.get('peak_rss_mb', ''):>7} {r.get('file_mb', ''):>7}")
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "system": platform.platform(), "runs": args.runs}
    Path(args.out).write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
