"""The mieux benchmark: whole processes, timed as a person waits for them.

    python tests/bench/run.py [--runs N] [--sizes 1000,10000,100000] [--output bench.json]

It builds synthetic catalogues through mieux's real import (which also makes their index), then
times every command as a whole process, in alternation with a hello-world on the same Typer
version (A B A B ..., after a warm-up of each), so that a busy moment of a shared machine weighs
on both alike: the median of the pairs' ratios ("x hello") with their minimum, the machine's load
before and after, and the peak memory (RSS, by GNU time). Reads, writes (each run a different
change), whole-catalogue jobs, and beside them the floors of the same work measured on the same
file: parsing it, re-serialising and writing it, copying it, appending a line, a BM25 query from a
bare Python. The peer is sqlite-utils: the same records in a SQLite table with its FTS5 search,
searched with its command line (`pip install sqlite-utils` to measure it; it is not a dependency
of mieux). It prints the table of README "Performance" (Markdown) and writes the results as JSON.
Not part of the test suite.
"""

import argparse
import contextlib
import fcntl
import itertools
import json
import os
import platform
import pty
import random
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HELLO = """
import typer
app = typer.Typer()
@app.command()
def main(name: str = "world"):
    print(f"hello {name}")
app()
"""
WORDS = ["migration", "policy", "protection", "integration", "trafficking", "smuggling", "children", "labour", "diaspora",
         "cooperation", "protocol", "training", "curriculum", "assessment", "workshop", "strategy", "return", "asylum",
         "data", "border", "health", "dialogue", "institutions", "plan", "national", "regional", "government", "capacity"]
RARE = "xenophobia"  # in one record of a thousand
COMMON = "protocol"  # in nine records of ten


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic(n: int, seed: int = 7) -> list[dict]:
    """n valid records with realistic text lengths: half actions, a third practices linked to
    them, the rest events and facts."""
    from mieux_cli.model import vocab

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
        if i % 1000 == 7:
            record["title"] += f" against {RARE}"
        records.append(record)
    return records


TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for peak memory


def iati_activities(n: int, seed: int = 11) -> str:
    """An IATI 2.03 file of n activities shaped like a real download: English and French texts,
    several participating organisations, budgets and transactions (which mieux does not keep)."""
    from xml.sax.saxutils import escape

    from mieux_cli.model import vocab

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


REAL_IOM = Path(__file__).resolve().parents[3] / "shared" / "reference" / "iati" / "real" / "iom-577-2.03.xml"


def real_shaped_activities(n: int) -> str | None:
    """n activities as IOM publishes them: the real IOM file's 577 activities (../shared/reference/
    iati/real/) repeated, each copy with identifiers of its own; None when the file is not there."""
    import re

    if not REAL_IOM.is_file():
        return None
    text = REAL_IOM.read_text(encoding="utf-8")
    head, body = text.split("<iati-activity ", 1)
    activities = re.findall(r"<iati-activity .*?</iati-activity>", "<iati-activity " + body, re.DOTALL)
    parts = [head]
    for i in range(n):
        copy, one = divmod(i, len(activities))
        parts.append(re.sub(r"<iati-identifier>([^<]*)</iati-identifier>",
                            lambda m, copy=copy: f"<iati-identifier>{m.group(1).strip()}-R{copy}</iati-identifier>",
                            activities[one], count=1) + "\n")
    parts.append("</iati-activities>\n")
    return "".join(parts)


def run_once(command: list[str], env: dict) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one whole process. The RSS that wait4 reports for a child
    started from this (large) process counts this process's memory too, so it is taken from a
    second run under GNU time when there is one."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def peak_memory(command: list[str], env: dict) -> int | None:
    """Peak RSS (KiB) of the command, measured by GNU time."""
    if not TIME:
        return None
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run([TIME, "-f", "%M", "-o", report.name, *command], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        return int(report.read().split()[-1])


def run_on_a_terminal(command: list[str], env: dict) -> tuple[float, int]:
    """run_once on a pseudo-terminal of 120 columns, reading all it draws."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: its standard streams are the terminal
        with contextlib.suppress(BaseException):
            os.execvpe(command[0], command, env)
        os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:  # waiting for input that will never come
            os.kill(pid, signal.SIGKILL)
            break
        try:
            if not os.read(fd, 65536):
                break
        except OSError:  # the child closed the terminal
            break
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    os.close(fd)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed on a terminal: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def summarize(samples: list[tuple[float, int]]) -> dict:
    return {"median_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
            "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1)}


def measure(command: list[str], env: dict, runs: int, runner=run_once, before=None) -> dict:
    """A warm-up, then `runs` runs; `before()` runs before each (untimed); then the peak memory."""
    samples = []
    for run in range(runs + 1):
        if before:
            before()
        sample = runner(command, env)
        if run:
            samples.append(sample)
    if before:
        before()
    memory = peak_memory(command, env)
    if memory is not None:
        samples = [(elapsed, memory) for elapsed, _ in samples]
    return summarize(samples)


def alternating(command, hello: list[str], env: dict, runs: int, runner=run_once, before=None) -> dict:
    """The command and the hello-world run in turn (A B A B ...), after one warm-up of each, so
    that a moment when the shared machine is busy weighs on both alike: the median of the ratios
    of each pair, their minimum, and the medians of both, with the machine's load before and after.
    `command`: the command, or a function of the run's number giving it (a write that must
    differ each time); `before()`: run, untimed, before each run of the command."""
    command_of = command if callable(command) else lambda n: command
    load_before = os.getloadavg()[0]

    def timed(n: int) -> float:
        if before:
            before()
        return runner(command_of(n), env)[0]

    timed(0), runner(hello, env)
    pairs = [(timed(n), runner(hello, env)[0]) for n in range(1, runs + 1)]
    ratios = sorted(a / b for a, b in pairs)
    return {"median_ms": round(statistics.median(a for a, _ in pairs) * 1000, 1),
            "hello_ms": round(statistics.median(b for _, b in pairs) * 1000, 1),
            "x_hello": round(statistics.median(ratios), 2), "x_hello_min": round(ratios[0], 2),
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def startup(runs: int) -> None:
    """Start-up only, on the shipped catalogue: `mieux list`, `show`, `--help` (and `list` on a
    terminal), each in alternation with the Typer hello-world; for comparing two versions."""
    python = sys.executable
    mieux = [str(Path(python).parent / "mieux")]
    work = Path(tempfile.mkdtemp(prefix="mieux-startup-"))
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(work / "data"), "XDG_CACHE_HOME": str(work / "cache")}
    env.pop("MIEUX_DB", None)
    terminal_env = {k: v for k, v in env.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color", "MIEUX_PAGER": ""}
    (work / "hello.py").write_text(HELLO)
    hello = [python, str(work / "hello.py")]
    subprocess.run([*mieux, "list"], env=env, capture_output=True, check=True)  # created and indexed once
    print(f"{'what':<34} {'median':>9} {'hello':>9} {'x hello':>8} {'min':>6}  load before/after")
    for name, command, environment, runner in (
            ("mieux list", [*mieux, "list"], env, run_once),
            ("mieux show ID", [*mieux, "show", "act-cr-integration-plans"], env, run_once),
            ("mieux --help", [*mieux, "--help"], env, run_once),
            ("mieux list, on a terminal", [*mieux, "list"], terminal_env, run_on_a_terminal)):
        r = alternating(command, hello, environment, runs, runner)
        print(f"{name:<34} {r['median_ms']:>7.1f}ms {r['hello_ms']:>7.1f}ms {r['x_hello']:>7.2f}x {r['x_hello_min']:>5.2f}x"
              f"  {r['load'][0]:.2f}/{r['load'][1]:.2f}", flush=True)


# Floors: what the machine takes for the work a command cannot avoid, on the same file.
FLOORS = {
    "floor: parse the file (orjson)": "import orjson, sys; orjson.loads(open(sys.argv[1], 'rb').read())",
    "floor: parse, re-serialise, write and fsync": (
        "import orjson, os, sys; data = orjson.loads(open(sys.argv[1], 'rb').read())\n"
        "with open(sys.argv[2], 'wb') as f: f.write(orjson.dumps(data)); f.flush(); os.fsync(f.fileno())"),
    "floor: copy the file with fsync": (
        "import os, shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2]); fd = os.open(sys.argv[2], os.O_RDONLY); os.fsync(fd)"),
    "floor: append one line with fsync": (
        "import os, sys\nwith open(sys.argv[2], 'ab') as f: f.write(b'{}\\n'); f.flush(); os.fsync(f.fileno())"),
}
BM25 = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('SELECT rowid, bm25(records_fts) FROM "
        "records_fts WHERE records_fts MATCH ? ORDER BY rank LIMIT 20', (sys.argv[2],)).fetchall()")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="Pairs (command, hello-world) timed for each read.")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--output", default="bench.json")
    parser.add_argument("--startup", action="store_true", help="Only start-up on the shipped catalogue (see startup).")
    parser.add_argument("--no-iati", action="store_true", help="Leave out the IATI import and export of 10,000 activities.")
    parser.add_argument("--iati-real", type=int, default=0, metavar="N",
                        help="Only the import of N real-shaped IATI activities (the real IOM file repeated).")
    args = parser.parse_args()
    if args.startup:
        startup(args.runs)
        return
    python = sys.executable
    # The console script, as people run it (python -m adds runpy's ~7 ms).
    mieux = [str(Path(python).parent / "mieux")]
    sqlite_utils = shutil.which("sqlite-utils", path=str(Path(python).parent)) or shutil.which("sqlite-utils")
    work = Path(tempfile.mkdtemp(prefix="mieux-bench-"))
    env = {**os.environ, "NO_COLOR": "1", "XDG_DATA_HOME": str(work / "data"), "XDG_CACHE_HOME": str(work / "cache")}
    env.pop("MIEUX_DB", None)
    # No pager: it would wait for a key (and the time measured would be less's, not mieux's).
    terminal_env = {k: v for k, v in env.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color", "MIEUX_PAGER": ""}
    (work / "hello.py").write_text(HELLO)
    hello = [python, str(work / "hello.py")]
    results: dict[str, dict] = {}

    def bench(name, command, runs=args.runs, before=None, environment=env, runner=run_once, extra=None):
        """`command` (or a function of the run's number giving it) in alternation with the
        hello-world (alternating), then once more under GNU time for its peak memory."""
        r = alternating(command, hello, environment, runs, runner, before)  # on a terminal, both
        if before:
            before()
        memory = peak_memory(command(runs + 1) if callable(command) else command, environment)
        r["peak_rss_mb"] = round(memory / 1024, 1) if memory is not None else None
        results[name] = {**r, **(extra or {})}
        print(f"  {name:<58} {r['median_ms']:>9.1f} ms {r['x_hello']:>7.2f}x (min {r['x_hello_min']:.2f}) "
              f"{r['peak_rss_mb'] or 0:>7.1f} MB  load {r['load'][0]:.1f}/{r['load'][1]:.1f}", flush=True)

    def shell(command: str) -> list[str]:
        return ["sh", "-c", command]

    def bench_iati(size):
        """Import an IATI file of `size` activities into an empty catalogue (streamed, checked,
        written in one change), then export that catalogue as IATI."""
        activities = work / f"iati-{size}.xml"
        activities.write_text(iati_activities(size))
        imported = work / f"iati-{size}.json"
        bench(f"{size}: IATI import into an empty catalogue", [*mieux, "--db", str(imported), "import", str(activities)],
              runs=3, before=lambda: without_catalogue(imported))
        subprocess.run([*mieux, "--db", str(imported), "import", str(activities)], env=env, capture_output=True, check=True)
        settings = work / "config.toml"
        settings.write_text('[iati]\npublisher-ref = "XM-BENCH-1"\npublisher-name = "Bench"\npublisher-type = "40"\n'
                            'publisher-role = "4"\n')
        bench(f"{size}: IATI export", [*mieux, "--db", str(imported), "export", "--format", "iati", "--output",
                                       str(work / f"iati-{size}-export.xml")],
              environment={**env, "MIEUX_CONFIG": str(settings)}, runs=3)

    def bench_real_iati(size):
        """Import `size` real-shaped activities (the IOM file repeated) into an empty catalogue."""
        text = real_shaped_activities(size)
        if text is None:
            print(f"  {size} real-shaped IATI activities: skipped ({REAL_IOM} is not here)")
            return
        activities = work / f"iom-{size}.xml"
        activities.write_text(text, encoding="utf-8")
        imported = work / f"iom-{size}.json"
        bench(f"{size}: real-shaped IATI import (IOM repeated)", [*mieux, "--db", str(imported), "import", str(activities)],
              runs=3, before=lambda: without_catalogue(imported))

    if args.iati_real:
        bench_real_iati(args.iati_real)
        Path(args.output).write_text(json.dumps(results, indent=2))
        return

    print("floors")
    bench("python -c pass", [python, "-c", "pass"])
    shipped = work / "shipped.json"
    db = ["--db", str(shipped)]
    subprocess.run([*mieux, *db, "list"], env=env, capture_output=True, check=True)
    print("shipped catalogue")
    bench("mieux --version", [*mieux, "--version"])
    bench("list, on a terminal (to the hello-world on a terminal)", [*mieux, *db, "list"], environment=terminal_env,
          runner=run_on_a_terminal)
    bench("list", [*mieux, *db, "list"])
    bench("search unaccompanied", [*mieux, *db, "search", "unaccompanied"])
    bench("show ID", [*mieux, *db, "show", "act-cr-integration-plans"])
    bench("summary --by region --by theme", [*mieux, *db, "summary", "--by", "region", "--by", "theme"])
    bench("brief --region LAC", [*mieux, *db, "brief", "--region", "LAC"])
    for size in [int(s) for s in args.sizes.split(",") if s]:
        print(f"{size} records")
        reads = args.runs if size < 100_000 else max(3, args.runs // 2)
        writes = max(3, reads // 2)
        whole = 3 if size < 100_000 else 1
        records = synthetic(size)
        source = work / f"records-{size}.json"
        source.write_text(json.dumps(records))
        path = work / f"bench-{size}.json"
        db = ["--db", str(path)]
        index = path.with_name(path.name + ".index.sqlite")

        bench(f"{size}: import into an empty catalogue", [*mieux, *db, "import", str(source)], runs=whole,
              before=lambda path=path: without_catalogue(path))
        sizes = {"file_mb": round(path.stat().st_size / 2**20, 1), "index_mb": round(index.stat().st_size / 2**20, 1)}
        bench(f"{size}: first read, making the index", [*mieux, *db, "show", "act-bench-0"], runs=whole,
              before=lambda index=index: index.unlink(missing_ok=True), extra=sizes)
        subprocess.run([*mieux, *db, "edit", "act-bench-1", "--set", "title=Laid out"], env=env, capture_output=True, check=True)
        time.sleep(0.2)  # the file's version is no longer "racy" (index.racy): reads trust its identity alone
        head = "| head -20 > /dev/null"
        for name, command in [
                ("show ID", [*mieux, *db, "show", f"act-bench-{size // 2}"]),
                ("list --region LAC --theme IMT --limit 20", [*mieux, *db, "list", "--region", "LAC", "--theme", "IMT",
                                                              "--limit", "20"]),
                ("list, no filter, piped to head -20", shell(f"{' '.join(mieux)} --db {path} list {head}")),
                ("list --sort title, piped to head -20", shell(f"{' '.join(mieux)} --db {path} list --sort title {head}")),
                ("list --json, piped to head -20", shell(f"{' '.join(mieux)} --db {path} list --json {head}")),
                (f"search {RARE} (rare; top 20)", [*mieux, *db, "search", RARE]),
                (f"search {COMMON} (in 9 records of 10; top 20)", [*mieux, *db, "search", COMMON]),
                ("summary --by region --by theme", [*mieux, *db, "summary", "--by", "region", "--by", "theme"]),
                ("summary --by country", [*mieux, *db, "summary", "--by", "country"]),
                ("summary --by year", [*mieux, *db, "summary", "--by", "year"]),
                ("summary --by status", [*mieux, *db, "summary", "--by", "status"]),
                ("completion TAB (show act-bench-12)", [*mieux]),
                ("brief --region LAC", [*mieux, *db, "brief", "--region", "LAC"]),
                ("history", [*mieux, *db, "history"]),
                ("info", [*mieux, *db, "info"])]:
            environment = env if not name.startswith("completion") else {
                **env, "_MIEUX_COMPLETE": "complete_bash", "COMP_WORDS": f"mieux --db {path} show act-bench-12", "COMP_CWORD": "4"}
            bench(f"{size}: {name}", command, runs=reads, environment=environment)
        one = work / "one.json"

        def add_one(n, one=one, size=size, db=db):
            one.write_text(json.dumps({"id": f"fct-one-{size}-{n}", "kind": "fact", "title": "One more", "text": "A fact.",
                                       "sources": ["bench"]}))
            return [*mieux, *db, "add", "--from", str(one)]

        edits = itertools.count()

        def edit_before(db=db, edits=edits):
            subprocess.run([*mieux, *db, "edit", "act-bench-12", "--set", f"title=Changed {next(edits)}"], env=env,
                           capture_output=True, check=True)

        def latest_backup(n, path=path, db=db):
            folder = path.parent / "backups" / path.name
            return [*mieux, *db, "restore", str(max(folder.iterdir())), "--yes"]

        for name, command, before in [
                ("add --from (one record)", add_one, None),
                ("edit --set (one field)", lambda n, db=db: [*mieux, *db, "edit", "act-bench-0", "--set", f"title=Edited {n}"],
                 None),
                ("remove (one record)", lambda n, db=db, size=size: [*mieux, *db, "remove", f"fct-one-{size}-{n}", "--yes"], None),
                ("rename (a record linked from others)",
                 lambda n, db=db: [*mieux, *db, "rename", *(("act-bench-6", "act-bench-6-renamed") if n % 2 == 0 else
                                                            ("act-bench-6-renamed", "act-bench-6"))], None),
                ("undo --yes (of an edit)", [*mieux, *db, "undo", "--yes"], edit_before),
                ("restore --yes (the backup before an edit)", latest_backup, edit_before)]:
            bench(f"{size}: {name}", command, runs=writes, before=lambda before=before: before and before())
        folder = work / f"yaml-{size}"
        copy = work / f"from-yaml-{size}.json"
        for name, command, before in [
                ("check", [*mieux, *db, "check"], None),
                ("export --format json", [*mieux, *db, "export", "--format", "json", "--output",
                                          str(work / f"export-{size}.json")], None),
                ("export to a YAML folder, new", [*mieux, *db, "export", "--output", str(folder)],
                 lambda folder=folder: shutil.rmtree(folder, ignore_errors=True)),
                ("export to a YAML folder again, nothing changed", [*mieux, *db, "export", "--output", str(folder)], None),
                ("import a YAML folder into an empty catalogue", [*mieux, "--db", str(copy), "import", str(folder)],
                 lambda copy=copy: without_catalogue(copy))]:
            bench(f"{size}: {name}", command, runs=whole, before=before)
        target = work / f"floor-{size}.json"
        for name, code in FLOORS.items():
            bench(f"{size}: {name}", [python, "-c", code, str(path), str(target)], runs=whole,
                  before=lambda target=target: target.unlink(missing_ok=True))
        if sqlite_utils:
            peer = work / f"peer-{size}.db"
            peer.unlink(missing_ok=True)
            subprocess.run([sqlite_utils, "insert", str(peer), "records", str(source), "--pk", "id", "--alter"],
                           env=env, check=True, capture_output=True)
            subprocess.run([sqlite_utils, "enable-fts", str(peer), "records", "title", "summary", "why", "text",
                            "--fts5", "--create-triggers"], env=env, check=True, capture_output=True)
            bench(f"{size}: floor: bare BM25 query of {COMMON}, top 20 (Python, sqlite3)",
                  [python, "-c", BM25, str(peer), COMMON], runs=reads)
            for word in (RARE, COMMON):
                bench(f"{size}: peer: sqlite-utils search {word}", [sqlite_utils, "search", str(peer), "records", word,
                                                                    "--limit", "20"], runs=reads)
        if size == 10_000 and not args.no_iati:
            bench_iati(size)
            bench_real_iati(size)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if 10_000 not in sizes and not args.no_iati:
        print("IATI")
        bench_iati(10_000)
        bench_real_iati(10_000)
    print_by_size(results, sizes)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "system": platform.platform(), "processor": _processor(), "runs": args.runs}
    Path(args.output).write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    print(f"\n{machine}\nwritten to {args.output}")


def without_catalogue(path: Path) -> None:
    """Remove a catalogue file and its index, for a command to start from none."""
    for leftover in (path, path.with_name(path.name + ".index.sqlite")):
        leftover.unlink(missing_ok=True)


def print_by_size(results: dict, sizes: list[int]) -> None:
    """The measurements made at every size as one table, in Markdown (the README's): a row per
    command, a column per size (median, median ratio to the hello-world run in alternation with
    it, peak memory)."""
    commands = list(dict.fromkeys(name.split(": ", 1)[1] for name in results if name.split(":")[0].isdigit()))
    print("\n| command | " + " | ".join(f"{size:,}" for size in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for command in commands:
        cells = []
        for size in sizes:
            r = results.get(f"{size}: {command}")
            cells.append(f"{_duration(r['median_ms'])}, {r['x_hello']}x, {r['peak_rss_mb']:.0f} MB" if r else "")
        print(f"| `{command}` | " + " | ".join(cells) + " |")


def _duration(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _processor() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


if __name__ == "__main__":
    main()
